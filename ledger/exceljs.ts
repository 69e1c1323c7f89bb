// exceljs is loaded when a workbook is first read or written, not when the API process starts: it costs
// tens of MB of memory that a process serving commands and lists never needs. It is CommonJS, so a
// synchronous require at the use site keeps the writers' signatures as they are.
import { createRequire } from 'node:module';
import type ExcelJS from 'exceljs';

const require = createRequire(import.meta.url);
let loaded: typeof ExcelJS | null = null;

export const excel = (): typeof ExcelJS => {
  loaded ??= require('exceljs') as typeof ExcelJS;
  return loaded;
};
