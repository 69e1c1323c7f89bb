// vue-tsc needs TypeScript's JavaScript API; the root package uses TypeScript 7 (native, no such API),
// so the web workspace carries TypeScript 5 and vue-tsc is pointed at its tsc here.
const { dirname } = require('node:path');
const tsc = require.resolve('typescript/lib/tsc', { paths: [dirname(__dirname)] });
process.argv.push('--noEmit', '-p', require('node:path').join(dirname(__dirname), 'tsconfig.json'));
require('vue-tsc').run(tsc);
