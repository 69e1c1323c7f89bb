// GB/T 9704-2012 (党政机关公文格式) as numbers. A4 paper; 版心 156 mm × 225 mm placed with
// 天头 37 mm and 订口 28 mm, which leaves 35 mm below and 26 mm on the right; 22 lines of 28
// characters of 3号 (16 pt) type. Word measures in twips (1/20 pt) and half-points.

export const mm = (x: number) => Math.round((x * 1440) / 25.4);

export const PAGE = { width: mm(210), height: mm(297) };
export const MARGIN = { top: mm(37), bottom: mm(35), left: mm(28), right: mm(26) };
/** Page number's lower edge 7 mm below the 版心 (§7.5): 35 − 7 = 28 mm from the paper's edge. */
export const FOOTER_FROM_EDGE = mm(28);

/** 22 lines in 225 mm: 10.23 mm = 28.98 pt pitch. */
export const LINE = Math.floor(mm(225) / 22);
/** 28 characters in 156 mm: 3号 glyphs are 16 pt wide, so each gives up 0.25 pt (5 twips). */
export const BODY_CHAR_SPACING = -5;
export const CHAR = 320 + BODY_CHAR_SPACING;

/** Type sizes in half-points (号 → pt: 初 42, 小初 36, 一 26, 二 22, 三 16, 四 14). */
export const SIZE = { 二号: 44, 三号: 32, 四号: 28, 小四: 24 } as const;

/**
 * Fonts by the names the standard's templates use; where they are missing (any machine without the
 * 方正 and GB2312 fonts) the converter's fontconfig (documents/fonts.conf) maps them to Noto CJK.
 */
export const FONT = {
  /** 小标宋: 发文机关标志 and the title. */
  title: '方正小标宋简体',
  /** 仿宋: body, 主送, 落款, 版记. */
  body: '仿宋_GB2312',
  /** 黑体: first-level headings, "附件". */
  heading: '黑体',
  /** 楷体: second-level headings. */
  kai: '楷体_GB2312',
  /** 宋体: page numbers. */
  song: '宋体',
} as const;

/** 发文机关标志 and the 版头 separator are red (§7.2.2, §7.2.6). */
export const RED = 'E60012';
