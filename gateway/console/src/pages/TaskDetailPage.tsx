import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link, useParams } from 'react-router';
import { api, ApiError, unwrap, type Task } from '../api/client';
import { problemMessage } from '../api/problem';
import { useI18n } from '../i18n/i18n';
import { CallsTable } from '../task-detail/CallsTable';
import { ProgressPanel } from '../task-detail/ProgressPanel';
import { ReportLinks } from '../task-detail/ReportLinks';
import { TaskFacts } from '../task-detail/TaskFacts';
import { useTaskStream } from '../task-detail/useTaskStream';
import '../styles/task-detail.css';

/**
 * The follow-up SMS of a task's last calls are counted after it completes (they go out once a call
 * has ended), so an ended task is still asked for this long, until its SMS counters settle.
 */
const SMS_SETTLE_MS = 2 * 60_000;

/**
 * How often the page asks again when the live stream is not up (not yet open, or failing): every
 * 2 s while calls go out, slower while the task waits for its start or a resume or its last SMS,
 * then never. While the stream is up the events bring every change and nothing is polled.
 */
function pollInterval(task: Task | undefined, live: boolean): number | false {
  if (!task || live) return false;
  if (task.status === 'running') return 2_000;
  if (task.status === 'scheduled' || task.status === 'paused') return 10_000;
  const ended = task.completedAt ?? task.cancelledAt;
  return ended && Date.now() - Date.parse(ended) < SMS_SETTLE_MS ? 5_000 : false;
}

/** A task: its settings, live progress and outcome chart (from the event stream, else polled), its calls, its report. */
export function TaskDetailPage() {
  const { t } = useI18n();
  const { taskId = '' } = useParams();
  const [found, setFound] = useState(false);
  const { live } = useTaskStream(taskId, found);
  const task = useQuery({
    queryKey: ['task', taskId],
    queryFn: () => unwrap(api.GET('/v1/tasks/{id}', { params: { path: { id: taskId } } })),
    refetchInterval: (q) => pollInterval(q.state.data, live),
    retry: (count, err) => !(err instanceof ApiError && err.status < 500) && count < 2,
  });

  // the stream opens once the task is known to be there and has something to follow (an unknown id, or a task ended long ago, gets none)
  const following = !!task.data && pollInterval(task.data, false) !== false;
  useEffect(() => setFound(following), [following]);

  const back = (
    <Link className="back-link" to="/scheduler">
      {t('detail.back')}
    </Link>
  );
  if (task.isPending) return <p className="loading">{t('common.loading')}</p>;
  if (!task.data) {
    // an unknown id, another tenant's (API.md: 404, never 403) or one that is no id at all (400 INVALID_ID)
    const missing = task.error instanceof ApiError && (task.error.status === 404 || task.error.problem.code === 'INVALID_ID');
    return (
      <>
        {back}
        <h1>{t('tasks.title')}</h1>
        <p role="alert" className="error">
          {missing ? t('detail.notFound') : t('detail.loadFailed', { detail: problemMessage(t, task.error) })}
        </p>
      </>
    );
  }
  return (
    <>
      {back}
      <h1>{task.data.name}</h1>
      {task.isError && (
        <p role="alert" className="error">
          {t('detail.loadFailed', { detail: problemMessage(t, task.error) })}
        </p>
      )}
      <TaskFacts task={task.data} />
      <ProgressPanel task={task.data} />
      <CallsTable task={task.data} />
      <ReportLinks task={task.data} />
    </>
  );
}
