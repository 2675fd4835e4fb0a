import { useState } from 'react';
import { Button, FileTrigger, Text } from 'react-aria-components';
import { useI18n } from '../i18n/i18n';
import { checkFile, type FileRule } from './files';

/**
 * "Select File": a button that opens the file chooser, the chosen file's name, and why it is refused
 * (wrong kind or too large, checked here before any upload). `onChange` gets the file once it passes,
 * or undefined when the choice was refused.
 */
export function FilePicker({ rule, file, onChange, describedBy }: { rule: FileRule; file: File | undefined; onChange(file: File | undefined): void; describedBy?: string }) {
  const { t } = useI18n();
  const [problem, setProblem] = useState<string | undefined>();
  return (
    <div className="file-picker">
      <FileTrigger
        acceptedFileTypes={rule.extensions}
        onSelect={(files) => {
          const chosen = files?.[0];
          if (!chosen) return;
          const refused = checkFile(chosen, rule);
          setProblem(refused && t(refused.key, refused.values));
          onChange(refused ? undefined : chosen);
        }}
      >
        <Button className="button" aria-describedby={describedBy}>
          {t('library.file.select')}
        </Button>
      </FileTrigger>
      <Text className="file-name" aria-live="polite">
        {file ? file.name : t('library.file.none')}
      </Text>
      {problem && (
        <p role="alert" className="error">
          {problem}
        </p>
      )}
    </div>
  );
}
