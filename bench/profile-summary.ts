// `npx tsx bench/profile-summary.ts <dir or .cpuprofile> [--top 40]`: where a V8 CPU profile's time went —
// self time by package (or project folder), and the hottest functions, self and inclusive.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '40' } },
});
const target = positionals[0];
if (!target) {
  console.error('usage: profile-summary <dir|file.cpuprofile> [--top N]');
  process.exit(2);
}
const files = statSync(target).isDirectory()
  ? readdirSync(target)
      .filter((f) => f.endsWith('.cpuprofile'))
      .map((f) => join(target, f))
      .sort((a, b) => statSync(b).size - statSync(a).size)
  : [target];
if (!files.length) {
  console.error(`no .cpuprofile in ${target}`);
  process.exit(1);
}
const top = Number(values.top);

function area(url: string): string {
  if (!url) return '(native / V8)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 13).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (url.startsWith('node:')) return url;
  const m = /\/work\/[^/]+\/(.+)$/.exec(url.replace('file://', ''));
  if (m) {
    const parts = m[1]!.split('/');
    return parts.length > 1 ? `project: ${parts.slice(0, -1).join('/')}/` : `project: ${parts[0]}`;
  }
  return url;
}

for (const file of files) {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const label = (n: Node) =>
    `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url ? `${n.callFrame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/\/work\/[^/]+\//, '')}:${n.callFrame.lineNumber + 1}` : ''}`;

  const byArea = new Map<string, number>();
  const fnSelf = new Map<string, number>();
  const fnIncl = new Map<string, number>();
  for (const [id, t] of self) {
    const n = byId.get(id)!;
    const name = n.callFrame.functionName;
    const a =
      name === '(idle)'
        ? '(idle)'
        : name === '(garbage collector)'
          ? '(garbage collector)'
          : name === '(program)'
            ? '(program)'
            : area(n.callFrame.url);
    byArea.set(a, (byArea.get(a) ?? 0) + t);
    fnSelf.set(label(n), (fnSelf.get(label(n)) ?? 0) + t);
    // inclusive: every distinct frame on the stack once
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const l = label(byId.get(cur)!);
      if (seen.has(l)) continue;
      seen.add(l);
      fnIncl.set(l, (fnIncl.get(l) ?? 0) + t);
    }
  }
  const busy = total - (byArea.get('(idle)') ?? 0);
  const pct = (t: number, of = busy) => `${((t / of) * 100).toFixed(1).padStart(5)}%`;
  const ms = (t: number) => `${(t / 1000).toFixed(0).padStart(7)} ms`;
  console.log(
    `${file}\n  ${((p.endTime - p.startTime) / 1e6).toFixed(1)} s profiled, ${(busy / 1e6).toFixed(1)} s busy (${pct(busy, total)} of the time); shares below are of busy time\n`,
  );
  console.log('  self time by area:');
  for (const [a, t] of [...byArea]
    .filter(([a]) => a !== '(idle)')
    .sort((x, y) => y[1] - x[1])
    .slice(0, 25))
    console.log(`    ${ms(t)} ${pct(t)}  ${a}`);
  console.log(`\n  top ${top} functions by self time:`);
  for (const [f, t] of [...fnSelf]
    .sort((x, y) => y[1] - x[1])
    .filter(([f]) => !f.startsWith('(idle)'))
    .slice(0, top))
    console.log(`    ${ms(t)} ${pct(t)}  ${f}`);
  console.log(`\n  top ${top} functions by inclusive time:`);
  for (const [f, t] of [...fnIncl]
    .sort((x, y) => y[1] - x[1])
    .filter(([f]) => !f.startsWith('(idle)') && !f.startsWith('(root)'))
    .slice(0, top))
    console.log(`    ${ms(t)} ${pct(t)}  ${f}`);
}
