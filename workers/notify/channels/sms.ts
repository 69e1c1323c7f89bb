// SMS behind a provider interface. The default provider only logs (masked number, text): plug a
// gateway in by implementing SmsProvider and choosing it in bin/runtime.ts.
import { maskPhone } from '../../../domain/item/mask.ts';

export interface SmsProvider {
  readonly name: string;
  /** Send one message; resolves with the provider's message id, throws with a readable reason. */
  send(phone: string, text: string): Promise<string>;
}

export function loggingSmsProvider(
  log: (msg: string) => void,
): SmsProvider & { sent: { phone: string; text: string }[] } {
  const sent: { phone: string; text: string }[] = [];
  return {
    name: 'log',
    sent,
    async send(phone, text) {
      if (!/^\+?[0-9]{5,20}$/.test(phone.replace(/[\s()-]/g, '')))
        throw new Error(`not a phone number: ${maskPhone(phone)}`);
      sent.push({ phone, text });
      if (sent.length > 1000) sent.shift(); // a window for tests and operators, not an archive
      log(`sms (logging provider) to ${maskPhone(phone)}: ${text}`);
      return `log-${sent.length}`;
    },
  };
}
