/**
 * `/v1/dnc/{phone}` takes the number with a literal `+` (API.md: percent-escapes in a path are 400
 * INVALID_PATH), so the path is filled as written, not URI-encoded; an E.164 number is `+` and digits only.
 */
export const literalPhonePath = (url: string, path: Record<string, unknown>) => url.replace('{phone}', String(path.phone));
