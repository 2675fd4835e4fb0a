import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Button, Menu, MenuItem, MenuTrigger, Popover } from 'react-aria-components';
import { api, unwrap, type Task } from '../api/client';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { useI18n } from '../i18n/i18n';
import type { MessageKey } from '../i18n/languages';
import { inWords } from './problems';
import { RenameDialog } from './RenameDialog';

type Action = 'edit' | 'pause' | 'resume' | 'cancel' | 'delete';

/** What the task's state allows (API.md "Status"): a name may always change; delete only once it has ended. */
export function allowedActions(status: Task['status']): Action[] {
  switch (status) {
    case 'scheduled':
    case 'running':
      return ['edit', 'pause', 'cancel'];
    case 'paused':
      return ['edit', 'resume', 'cancel'];
    case 'completed':
    case 'cancelled':
      return ['edit', 'delete'];
  }
}

const transition = (task: Task, action: 'pause' | 'resume' | 'cancel') => {
  const params = { params: { path: { id: task.id } } };
  if (action === 'pause') return unwrap(api.POST('/v1/tasks/{id}/pause', params));
  if (action === 'resume') return unwrap(api.POST('/v1/tasks/{id}/resume', params));
  return unwrap(api.POST('/v1/tasks/{id}/cancel', params));
};

/** The "Actions" cell: the manual's "Edit" menu and the dialog its choice opens (rename, or a confirmation). */
export function TaskActions({ task }: { task: Task }) {
  const { t } = useI18n();
  const queries = useQueryClient();
  const [open, setOpen] = useState<Action | undefined>();
  const refresh = () => queries.invalidateQueries({ queryKey: ['tasks'] });
  const confirm = open && open !== 'edit' ? open : undefined;
  return (
    <>
      <MenuTrigger>
        <Button className="button menu-button">
          {t('tasks.menu')}
          <span aria-hidden="true" className="chevron">
            ▾
          </span>
        </Button>
        <Popover className="popover">
          <Menu className="menu" onAction={(key) => setOpen(key as Action)}>
            {allowedActions(task.status).map((a) => (
              <MenuItem key={a} id={a} className="menu-item">
                {t(`tasks.action.${a}` as MessageKey)}
              </MenuItem>
            ))}
          </Menu>
        </Popover>
      </MenuTrigger>
      {open === 'edit' && <RenameDialog task={task} onClose={() => setOpen(undefined)} />}
      {confirm && (
        <ConfirmDialog
          title={t(`tasks.${confirm}.title` as MessageKey)}
          question={t(`tasks.${confirm}.question` as MessageKey, { name: task.name })}
          isOpen
          onOpenChange={(o) => !o && setOpen(undefined)}
          onConfirm={() =>
            inWords(t, async () => {
              if (confirm === 'delete') await unwrap(api.DELETE('/v1/tasks/{id}', { params: { path: { id: task.id } } }));
              else await transition(task, confirm);
              await refresh();
            })
          }
        />
      )}
    </>
  );
}
