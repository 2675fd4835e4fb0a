import type { Key } from 'react-aria-components';
import { Button, Label, ListBox, ListBoxItem, Popover, Select, SelectValue } from 'react-aria-components';

export interface Option {
  id: string;
  label: string;
  /** the option's own language, when it is a language's name */
  lang?: string;
}

/** A labelled drop-down (React Aria's Select: a button with a listbox, keyboard and screen-reader ready). */
export function SelectField({ label, options, selected, onSelect, className }: { label: string; options: readonly Option[]; selected: string; onSelect(id: string): void; className?: string }) {
  return (
    <Select className={className} selectedKey={selected} onSelectionChange={(key: Key | null) => key !== null && onSelect(String(key))}>
      <Label>{label}</Label>
      <Button className="select-button">
        <SelectValue />
        <span aria-hidden="true" className="chevron">
          ▾
        </span>
      </Button>
      <Popover className="popover">
        <ListBox className="listbox" items={options}>
          {(o) => (
            <ListBoxItem id={o.id} className="listbox-item" lang={o.lang} textValue={o.label}>
              {o.label}
            </ListBoxItem>
          )}
        </ListBox>
      </Popover>
    </Select>
  );
}
