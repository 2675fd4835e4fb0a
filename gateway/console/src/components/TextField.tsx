import { FieldError, Input, Label, Text, TextArea, TextField as AriaTextField } from 'react-aria-components';

/**
 * A labelled text field with its rule (`description`) and its error (`error`, e.g. the API's
 * `errors[].message` for this field), both tied to the input for screen readers.
 */
export function TextField({
  label,
  value,
  onChange,
  description,
  error,
  isRequired,
  type,
  multiline,
  name,
  autoFocus,
}: {
  label: string;
  value: string;
  onChange(v: string): void;
  description?: string;
  error?: string;
  isRequired?: boolean;
  type?: 'text' | 'email' | 'password' | 'url' | 'tel';
  multiline?: boolean;
  name?: string;
  autoFocus?: boolean;
}) {
  return (
    <AriaTextField className="field" value={value} onChange={onChange} isRequired={isRequired} isInvalid={!!error} type={type} name={name} autoFocus={autoFocus} validationBehavior="aria">
      <Label>{label}</Label>
      {multiline ? <TextArea rows={4} /> : <Input />}
      {description && (
        <Text slot="description" className="field-description">
          {description}
        </Text>
      )}
      <FieldError className="field-error">{error}</FieldError>
    </AriaTextField>
  );
}
