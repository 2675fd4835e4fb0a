/**
 * Under a form saved in place: what went wrong (an alert, read out at once) and the word that it was
 * saved (a status region that is always there, so screen readers announce when it fills).
 */
export function SaveResult({ error, saved }: { error?: string; saved?: string }) {
  return (
    <>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <p role="status" className="admin-saved">
        {saved ?? ''}
      </p>
    </>
  );
}
