import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { defaultLanguage, isLanguage, languageStorageKey, translate, type Language, type MessageKey } from './languages';

interface I18n {
  language: Language;
  setLanguage(language: Language): void;
  t(key: MessageKey, values?: Record<string, string | number>): string;
}

const Context = createContext<I18n | undefined>(undefined);

function remembered(): Language {
  try {
    const v = window.localStorage.getItem(languageStorageKey);
    return isLanguage(v) ? v : defaultLanguage;
  } catch {
    return defaultLanguage;
  }
}

/** The chosen language, remembered in localStorage and set as the document's `lang`. */
export function I18nProvider({ children }: { children: ReactNode }) {
  const [language, setState] = useState<Language>(remembered);
  useEffect(() => {
    document.documentElement.lang = language;
  }, [language]);
  const setLanguage = useCallback((next: Language) => {
    setState(next);
    try {
      window.localStorage.setItem(languageStorageKey, next);
    } catch {
      /* private mode: chosen for this page only */
    }
  }, []);
  const value = useMemo<I18n>(() => ({ language, setLanguage, t: (key, values) => translate(language, key, values) }), [language, setLanguage]);
  return <Context.Provider value={value}>{children}</Context.Provider>;
}

export function useI18n(): I18n {
  const v = useContext(Context);
  if (!v) throw new Error('useI18n outside I18nProvider');
  return v;
}
