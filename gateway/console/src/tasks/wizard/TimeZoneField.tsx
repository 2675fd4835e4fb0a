import { useMemo } from 'react';
import type { Key } from 'react-aria-components';
import { Button, ComboBox, FieldError, Input, Label, ListBox, ListBoxItem, Popover, Text } from 'react-aria-components';
import { platformTimeZone, zoneAbbreviation } from '../../time/zone';
import { offsetMs } from './wib';

/** Indonesia's zones first (WIB, WITA, WIT), then every other zone the browser knows. */
const FIRST = [platformTimeZone, 'Asia/Makassar', 'Asia/Jayapura'];

function zoneChoices(now: number) {
  const known = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  const all = [...FIRST, ...known.filter((z) => !FIRST.includes(z))];
  return all.map((id) => {
    const minutes = Math.round(offsetMs(id, now) / 60_000);
    const sign = minutes < 0 ? '−' : '+';
    const hhmm = `${String(Math.floor(Math.abs(minutes) / 60)).padStart(2, '0')}:${String(Math.abs(minutes) % 60).padStart(2, '0')}`;
    const short = zoneAbbreviation(id);
    return { id, label: `${id} (${short !== id ? `${short}, ` : ''}UTC${sign}${hhmm})` };
  });
}

/** The task's IANA time zone: a combo box (type to filter, e.g. "Makassar"); its offset today beside each name. */
export function TimeZoneField({ label, value, onChange, description, error }: { label: string; value: string; onChange(zone: string): void; description: string; error?: string }) {
  const choices = useMemo(() => zoneChoices(Date.now()), []);
  return (
    <ComboBox
      className="field"
      defaultItems={choices}
      selectedKey={value}
      onSelectionChange={(key: Key | null) => key !== null && onChange(String(key))}
      isInvalid={!!error}
      validationBehavior="aria"
      menuTrigger="focus"
    >
      <Label>{label}</Label>
      <div className="combo">
        <Input />
        <Button className="select-button combo-button">
          <span aria-hidden="true" className="chevron">
            ▾
          </span>
        </Button>
      </div>
      <Text slot="description" className="field-description">
        {description}
      </Text>
      <FieldError className="field-error">{error}</FieldError>
      <Popover className="popover">
        <ListBox className="listbox">
          {(o: { id: string; label: string }) => (
            <ListBoxItem id={o.id} className="listbox-item" textValue={o.label}>
              {o.label}
            </ListBoxItem>
          )}
        </ListBox>
      </Popover>
    </ComboBox>
  );
}
