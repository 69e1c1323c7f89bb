// The parts of the code and the arrows allowed between them (docs/design-notes.md, "The parts"):
// every .ts/.vue file's imports are read and each arrow from one part to another is checked.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

const PARTS = [
  'domain',
  'db',
  'workflows',
  'ledger',
  'storage',
  'documents',
  'services',
  'workers',
  'api',
  'web/src',
] as const;
type Part = (typeof PARTS)[number];

/** What each part may import besides itself and packages. bin/, bench/ and test/ may import anything. */
const ALLOWED: Record<Part, readonly Part[]> = {
  domain: [],
  db: ['domain'],
  workflows: ['domain', 'db'],
  ledger: ['domain'],
  storage: ['domain'],
  documents: ['domain'],
  services: ['domain', 'db', 'workflows', 'ledger', 'storage', 'documents'],
  workers: ['services', 'workflows', 'db', 'domain', 'ledger', 'storage', 'documents'],
  api: ['services', 'workflows', 'db', 'domain', 'ledger', 'storage'],
  'web/src': ['domain'],
};

const SKIP_DIRS = new Set(['node_modules', 'dist', '.git']);

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(resolve(root, dir), { withFileTypes: true })) {
    if (SKIP_DIRS.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (/\.(ts|vue)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** Every module specifier a file names: static imports and re-exports, side-effect imports, import(). */
function specifiers(source: string): string[] {
  const found: string[] = [];
  const patterns = [
    /(?:^|[\s;}])(?:import|export)\s[^'"`;]*?\sfrom\s*['"]([^'"]+)['"]/g,
    /(?:^|[\s;])import\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const re of patterns) for (const m of source.matchAll(re)) found.push(m[1]!);
  return found;
}

/** The part a repository path lies in, or the path's first folder when it is in none. */
function partOf(path: string): string {
  if (path.startsWith('web/src/')) return 'web/src';
  const first = path.split('/')[0]!;
  return path.includes('/') ? first : `(root) ${path}`;
}

/** Every arrow from a part to another part or outside the parts, as "from -> to" (repository paths). */
function arrows(): { from: Part; to: string; arrow: string }[] {
  const out: { from: Part; to: string; arrow: string }[] = [];
  for (const part of PARTS) {
    let files: string[];
    try {
      files = sourceFiles(part);
    } catch {
      continue; // a part that does not exist yet (services/ before issue 13 lands) has nothing to break
    }
    for (const file of files) {
      const rel = relative(root, resolve(root, file)).split('\\').join('/');
      for (const spec of specifiers(readFileSync(resolve(root, file), 'utf8'))) {
        if (!spec.startsWith('.')) continue; // packages and node: modules
        const target = posix.normalize(posix.join(posix.dirname(rel), spec));
        const to = partOf(target);
        if (to !== part) out.push({ from: part, to, arrow: `${rel} -> ${target}` });
      }
    }
  }
  return out;
}

describe('import rules', () => {
  const all = arrows();

  it('finds the arrows it checks (the parser reads imports, re-exports and .vue files)', () => {
    expect(
      specifiers(`import a from './a.ts';\nimport type { B } from "../b.ts";\nexport { c } from './c.ts';`),
    ).toEqual(['./a.ts', '../b.ts', './c.ts']);
    expect(
      specifiers(`import {\n  x,\n  y,\n} from '../x.ts';\nimport './side.css';\nconst m = import('./lazy.vue');`),
    ).toEqual(['../x.ts', './side.css', './lazy.vue']);
    expect(all.some((a) => a.arrow.startsWith('api/') && a.to === 'db')).toBe(true);
    expect(all.some((a) => a.arrow.startsWith('web/src/') && a.to === 'domain')).toBe(true);
    expect(sourceFiles('web/src').filter((f) => f.endsWith('.vue')).length).toBeGreaterThan(10);
  });

  it('every arrow between parts is an allowed one', () => {
    const broken = all.filter((a) => !(ALLOWED[a.from] as readonly string[]).includes(a.to)).map((a) => a.arrow);
    expect(broken, 'imports that break the parts picture (docs/design-notes.md)').toEqual([]);
  });
});
