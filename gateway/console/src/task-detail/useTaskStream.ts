import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { Task } from '../api/client';

/** The events the page follows: progress (coalesced by the API, ≤ 2 a second) and status changes, with the task as `GET /v1/tasks/{id}`. */
const TYPES = 'task.progress,task.status';
/** How long after the stream gave up (an HTTP error, not a dropped connection) it is opened again; meanwhile the page polls. */
const REOPEN_MS = 5_000;

/**
 * The task's live stream (`GET /v1/events?taskId=…`, Server-Sent Events with the session cookie):
 * each event updates the cached task (`['task', id]`) in place. A dropped connection is reopened
 * by the browser itself with `Last-Event-ID`, so the missed events are replayed; a stream the API
 * refuses or closes for good is opened again after a pause with `?lastEventId=` (EventSource sends
 * no headers of ours). `live` says whether the stream is up: while it is, the page does not poll.
 */
export function useTaskStream(taskId: string, enabled: boolean): { live: boolean } {
  const queries = useQueryClient();
  const [live, setLive] = useState(false);

  useEffect(() => {
    if (!enabled || typeof EventSource === 'undefined') return;
    let source: EventSource | undefined;
    let reopen: ReturnType<typeof setTimeout> | undefined;
    let lastEventId = '';
    let stopped = false;
    const update = (patch: (task: Task) => Task) => queries.setQueryData<Task>(['task', taskId], (old) => (old ? patch(old) : old));
    const remember = (e: MessageEvent) => {
      if (e.lastEventId) lastEventId = e.lastEventId;
    };

    const open = () => {
      const query = new URLSearchParams({ taskId, types: TYPES, ...(lastEventId ? { lastEventId } : {}) });
      const es = new EventSource(`/v1/events?${query}`, { withCredentials: true });
      source = es;
      es.onopen = () => {
        setLive(true);
        // whatever happened while the page polled or waited: one fresh read (the replay brings the rest)
        void queries.invalidateQueries({ queryKey: ['task', taskId], exact: true });
      };
      es.onerror = () => {
        setLive(false);
        if (es.readyState === EventSource.CLOSED && !stopped) reopen = setTimeout(open, REOPEN_MS);
      };
      es.addEventListener('task.progress', (e: MessageEvent<string>) => {
        remember(e);
        const { data } = JSON.parse(e.data) as { data: { taskId: string; status: Task['status']; progress: Task['progress'] } };
        if (data.taskId === taskId) update((task) => ({ ...task, status: data.status, progress: data.progress }));
      });
      es.addEventListener('task.status', (e: MessageEvent<string>) => {
        remember(e);
        const { data } = JSON.parse(e.data) as { data: Task };
        if (data.id === taskId) queries.setQueryData<Task>(['task', taskId], data);
      });
    };
    open();
    return () => {
      stopped = true;
      clearTimeout(reopen);
      source?.close();
      setLive(false);
    };
  }, [taskId, enabled, queries]);

  return { live };
}
