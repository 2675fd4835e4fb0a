import type { ReactNode } from 'react';
import type { Key } from 'react-aria-components';
import { Button, FieldError, Label, ListBox, ListBoxItem, Popover, Select, SelectValue, Text } from 'react-aria-components';

export interface Choice {
  id: string;
  label: string;
}

/**
 * A labelled drop-down that may have nothing chosen yet (its `placeholder` says what to choose),
 * with a description and the error of its field, tied to it for screen readers; SelectField is
 * the page filters' (always a value, no error). Give it `isDisabled` while its choices load: React
 * Aria's Select does not open on an empty list, so a click then would be lost.
 */
export function ChoiceField({
  label,
  placeholder,
  choices,
  selected,
  onSelect,
  error,
  description,
  isDisabled,
}: {
  label: string;
  placeholder: string;
  choices: readonly Choice[];
  selected: string | undefined;
  onSelect(id: string): void;
  error?: string;
  description?: ReactNode;
  isDisabled?: boolean;
}) {
  return (
    <Select
      className="field choice-field"
      placeholder={placeholder}
      selectedKey={selected ?? null}
      onSelectionChange={(key: Key | null) => key !== null && onSelect(String(key))}
      isInvalid={!!error}
      isDisabled={isDisabled}
      validationBehavior="aria"
    >
      <Label>{label}</Label>
      <Button className="select-button">
        <SelectValue />
        <span aria-hidden="true" className="chevron">
          ▾
        </span>
      </Button>
      {description && (
        <Text slot="description" className="field-description">
          {description}
        </Text>
      )}
      <FieldError className="field-error">{error}</FieldError>
      <Popover className="popover">
        <ListBox className="listbox" items={choices}>
          {(c) => (
            <ListBoxItem id={c.id} className="listbox-item" textValue={c.label}>
              {c.label}
            </ListBoxItem>
          )}
        </ListBox>
      </Popover>
    </Select>
  );
}
