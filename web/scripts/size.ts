// Print what the first screen (sign-in) ships: the entry chunk and the chunks it imports
// statically, raw and gzipped. Lazy routes (ledger, dashboard, …) are loaded later and not counted.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const dist = join(import.meta.dirname, '../dist');
const manifest = JSON.parse(readFileSync(join(dist, '.vite/manifest.json'), 'utf8')) as Record<
  string,
  { file: string; isEntry?: boolean; imports?: string[]; css?: string[] }
>;
const entryKey = Object.keys(manifest).find((k) => manifest[k]!.isEntry)!;
const seen = new Set<string>();
const css = new Set<string>();
const walk = (key: string) => {
  if (seen.has(key)) return;
  seen.add(key);
  for (const c of manifest[key]!.css ?? []) css.add(c);
  for (const i of manifest[key]!.imports ?? []) walk(i);
};
walk(entryKey);
// The sign-in route is imported statically by the router, so it is part of this set.
let raw = 0;
let gz = 0;
for (const key of seen) {
  const buf = readFileSync(join(dist, manifest[key]!.file));
  raw += buf.length;
  gz += gzipSync(buf, { level: 9 }).length;
}
let cssGz = 0;
for (const f of css) cssGz += gzipSync(readFileSync(join(dist, f)), { level: 9 }).length;
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
const verdict = gz < 500 * 1024 ? 'under' : 'OVER';
console.log(
  `[web] first screen JS: ${seen.size} chunks, ${kb(raw)} raw, ${kb(gz)} gzipped (${verdict} the 500 KB budget); CSS ${kb(cssGz)} gzipped`,
);
if (gz >= 500 * 1024) process.exitCode = 1;
