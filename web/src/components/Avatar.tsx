import { useEffect, useState } from 'react';
import { fileObjectUrl } from '../app/files';

const palette = ['#4f46e5', '#0891b2', '#059669', '#d97706', '#db2777', '#7c3aed', '#2563eb', '#dc2626'];

export function Avatar({ name, url, size = 40, online }: { name: string; url?: string | null; size?: number; online?: boolean }) {
  const src = useFileUrl(url);
  const initials = name.split(/\s+/).filter(Boolean).slice(0, 2).map((w) => [...w][0]?.toUpperCase()).join('') || '?';
  const color = palette[[...name].reduce((h, ch) => (h * 31 + ch.codePointAt(0)!) >>> 0, 7) % palette.length];
  return (
    <span className="avatar" style={{ width: size, height: size, fontSize: size * 0.4, background: src ? undefined : color }} aria-hidden="true">
      {src ? <img src={src} alt="" /> : initials}
      {online !== undefined && <span className={`presence ${online ? 'on' : 'off'}`} />}
    </span>
  );
}

export function useFileUrl(url?: string | null) {
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    setSrc(null);
    if (!url) return;
    let live = true;
    fileObjectUrl(url).then((s) => live && setSrc(s), () => undefined);
    return () => { live = false; };
  }, [url]);
  return src;
}
