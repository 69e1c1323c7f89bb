// Renders each sample document and the ledger print through LibreOffice to PNG, for docs/features.md:
//   npx tsx test/documents/samples.ts [docs/screenshots]
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderDocx } from '../../documents/official.ts';
import { toPdf } from '../../documents/pdf.ts';
import { SAMPLES } from '../fixtures/documents.ts';
import { exportXlsx } from '../fixtures/ledger-print.ts';
import { pdfToPngs } from '../support/pdf.ts';

const dir = process.argv[2] ?? 'docs/screenshots';
for (const [name, doc] of Object.entries(SAMPLES)) {
  const pngs = await pdfToPngs(await toPdf(await renderDocx(doc), 'docx'), 72);
  for (const [i, png] of pngs.entries()) await writeFile(join(dir, `document-${name}-${i + 1}.png`), png);
  console.log(name, pngs.length, 'pages');
}
const ledger = await pdfToPngs(await toPdf(await exportXlsx(40), 'xlsx'), 50, true);
await writeFile(join(dir, 'ledger-print-1.png'), ledger[0]!);
console.log('ledger print');
