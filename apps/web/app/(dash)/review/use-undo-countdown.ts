'use client';
import { useEffect, useState } from 'react';

/** Whole seconds left until `until` (ISO), ticking once a second; 0 when passed or none. */
export function useUndoCountdown(until: string | null): number {
  const left = () => (until ? Math.max(0, Math.ceil((Date.parse(until) - Date.now()) / 1000)) : 0);
  const [value, setValue] = useState(left);
  useEffect(() => {
    setValue(left());
    if (!until) return;
    const t = setInterval(() => setValue(left()), 1000);
    return () => clearInterval(t);
  }, [until]); // eslint-disable-line react-hooks/exhaustive-deps
  return value;
}
