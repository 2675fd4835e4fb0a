import { en, type Dictionary, type MessageKey } from './en';
import { id } from './id';
import { zh } from './zh';

/** The console's languages, each named in itself (what the language picker shows). */
export const languages = [
  { code: 'en', label: 'English', dictionary: en as Dictionary },
  { code: 'zh', label: '中文', dictionary: zh },
  { code: 'id', label: 'Bahasa Indonesia', dictionary: id },
] as const;

export type Language = (typeof languages)[number]['code'];
export const defaultLanguage: Language = 'en';
/** Where the chosen language is remembered (localStorage). */
export const languageStorageKey = 'autocall.console.language';

export const isLanguage = (v: unknown): v is Language => languages.some((l) => l.code === v);

/** A message in a language, its `{placeholders}` filled; a placeholder without a value stays as written. */
export function translate(language: Language, key: MessageKey, values: Record<string, string | number> = {}): string {
  const dictionary = languages.find((l) => l.code === language)?.dictionary ?? en;
  return dictionary[key].replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}

export type { MessageKey };
