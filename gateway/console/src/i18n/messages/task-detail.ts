/**
 * The words of the task detail page (progress, outcome chart, calls, reports), in every language under the same keys
 * (keys prefixed by the page, e.g. `templates.add`); en.ts, zh.ts and id.ts spread them in, and
 * test/i18n.test.ts checks that each language has every key.
 */
export const en = {} as const;

type Same = Record<keyof typeof en, string>;
export const zh: Same = {};
export const id: Same = {};
