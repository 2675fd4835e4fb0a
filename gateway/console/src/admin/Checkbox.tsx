import { Checkbox as AriaCheckbox } from 'react-aria-components';

/** A labelled checkbox (React Aria: a real input, keyboard and screen-reader ready); the box is drawn by admin.css. */
export function Checkbox({ label, isSelected, onChange }: { label: string; isSelected: boolean; onChange(v: boolean): void }) {
  return (
    <AriaCheckbox className="admin-checkbox" isSelected={isSelected} onChange={onChange}>
      <span className="admin-checkbox-box" aria-hidden="true">
        {isSelected ? '✓' : ''}
      </span>
      {label}
    </AriaCheckbox>
  );
}
