import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api, unwrap } from '../../api/client';
import { problemMessage } from '../../api/problem';
import { useI18n } from '../../i18n/i18n';
import type { Errors } from './check';
import { ChoiceField } from './ChoiceField';
import type { Draft } from './draft';
import { errorOf } from './said';

/** Step 2: "Recording File" — the ready recordings (every stored one is ready), the chosen one playable in place. */
export function StepRecording({ draft, change, errors }: { draft: Draft; change(p: Partial<Draft>): void; errors: Errors }) {
  const { t } = useI18n();
  const recordings = useQuery({ queryKey: ['recordings', 'wizard'], queryFn: () => unwrap(api.GET('/v1/recordings', { params: { query: { page: 1, pageSize: 200 } } })) });
  const items = recordings.data?.items ?? [];
  const chosen = items.find((r) => r.id === draft.recordingId);
  return (
    <>
      {recordings.isError && (
        <p role="alert" className="error">
          {problemMessage(t, recordings.error)}
        </p>
      )}
      <ChoiceField
        label={t('tasks.field.recording')}
        placeholder={recordings.isPending ? t('common.loading') : items.length === 0 ? t('tasks.recording.none') : t('tasks.recording.choose')}
        choices={items.map((r) => ({ id: r.id, label: t('tasks.recording.option', { name: r.name, seconds: Math.round(r.durationMs / 1000) }) }))}
        selected={draft.recordingId}
        onSelect={(recordingId) => change({ recordingId })}
        error={errorOf(t, errors, 'recordingId')}
        isDisabled={recordings.isPending}
      />
      {chosen && <audio className="task-audio" controls preload="none" src={`/v1/recordings/${chosen.id}/audio`} aria-label={t('tasks.recording.listen', { name: chosen.name })} />}
      <p>
        <Link to="/recording-files">{t('tasks.recording.upload')}</Link>
      </p>
    </>
  );
}
