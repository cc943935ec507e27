import { refreshSession } from './session';
import type { FileInfo, Problem } from './types';
import type { RootState } from './store';

// Files need the bearer token, which an <img src> cannot carry: they are fetched with it and shown
// through object URLs, cached per file URL for the life of the tab.

let getState: () => RootState = () => { throw new Error('files not bound'); };
export const bindFiles = (g: () => RootState) => { getState = g; };

const blobs = new Map<string, Promise<string>>();

async function authedFetch(url: string): Promise<Response> {
  const token = getState().auth.accessToken;
  let response = await fetch(url, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  if (response.status === 401 && token) {
    const next = await refreshSession(token);
    if (next) response = await fetch(url, { headers: { Authorization: `Bearer ${next}` } });
  }
  return response;
}

export function fileObjectUrl(url: string): Promise<string> {
  let p = blobs.get(url);
  if (!p) {
    p = authedFetch(url).then(async (r) => {
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      return URL.createObjectURL(await r.blob());
    });
    p.catch(() => blobs.delete(url));
    blobs.set(url, p);
  }
  return p;
}

export async function downloadFile(file: FileInfo) {
  const href = await fileObjectUrl(file.url);
  const a = document.createElement('a');
  a.href = href;
  a.download = file.fileName;
  a.click();
}

export class UploadError extends Error {
  constructor(public status: number, public problem: Problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
  }
}

/** Multipart upload with progress (fetch cannot report upload progress; XMLHttpRequest can). */
export function upload(url: string, method: 'POST' | 'PUT', file: File, onProgress: (fraction: number) => void): Promise<unknown> {
  const send = (token: string | null) => new Promise<{ status: number; body: unknown }>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, url);
    if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`);
    xhr.responseType = 'json';
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () => resolve({ status: xhr.status, body: xhr.response });
    xhr.onerror = () => reject(new UploadError(0, { title: 'Network error', detail: 'The upload could not reach the server.' }));
    const form = new FormData();
    form.append('file', file, file.name);
    xhr.send(form);
  });
  return (async () => {
    const token = getState().auth.accessToken;
    let result = await send(token);
    if (result.status === 401 && token) {
      const next = await refreshSession(token);
      if (next) result = await send(next);
    }
    if (result.status < 200 || result.status >= 300) throw new UploadError(result.status, (result.body ?? { title: `HTTP ${result.status}` }) as Problem);
    return result.body;
  })();
}
