import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Part } from '@autocall/testing';

export const fixture = (name: string) => readFileSync(join(__dirname, 'fixtures', name));

export { multipart, type Part } from '@autocall/testing';

export const fileParts = (data: Buffer | string, filename = 'clip.mp3', contentType = 'audio/mpeg'): Part[] => [{ name: 'file', filename, contentType, data }];

/** A 1×1 PNG. */
export const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
