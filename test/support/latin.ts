// "No English reaches a person": a Latin-letter sentence is two or more words of Latin letters in a row.
// A product or format name on its own (企业微信 beside DingTalk, a .docx, PDF、Word、Excel) is not one.
import { LATIN_SENTENCE } from '../../domain/messages/refusals.ts';

export { LATIN_SENTENCE };

/** The Latin sentences in a text, for a failing test to name. */
export function latinSentences(text: string): string[] {
  return [...text.matchAll(new RegExp(LATIN_SENTENCE, 'g'))].map((m) => m[0]);
}
