/**
 * The body of a multipart upload (`POST /v1/rosters`, `POST /v1/recordings`) for openapi-fetch's
 * `bodySerializer`: fields left undefined are not sent, a File goes with its name. The browser sets
 * the Content-Type with its boundary.
 */
export function toFormData(fields: Record<string, string | Blob | undefined>): FormData {
  const form = new FormData();
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (value instanceof File) form.append(key, value, value.name);
    else form.append(key, value);
  }
  return form;
}
