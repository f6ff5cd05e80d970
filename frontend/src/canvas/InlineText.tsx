// A node's label or comment edited in place: Enter or leaving the field keeps it, Escape drops it.
import { useEffect, useRef, useState } from "react";

interface InlineTextProps {
  value: string;
  label: string;
  placeholder: string;
  maxLength: number;
  onDone(next: string | null): void;
}

export function InlineText({ value, label, placeholder, maxLength, onDone }: InlineTextProps) {
  const [text, setText] = useState(value);
  const ref = useRef<HTMLInputElement>(null);
  const finished = useRef(false);
  useEffect(() => {
    ref.current?.focus();
    ref.current?.select();
  }, []);
  const finish = (next: string | null) => {
    if (finished.current) return;
    finished.current = true;
    onDone(next);
  };
  return (
    <input
      ref={ref}
      className="gw-inline-text nodrag nopan nowheel"
      aria-label={label}
      value={text}
      placeholder={placeholder}
      maxLength={maxLength}
      onChange={(e) => setText(e.target.value)}
      onKeyDown={(e) => {
        e.stopPropagation(); // keep Delete, arrows and shortcuts for the text
        if (e.key === "Enter") finish(text);
        if (e.key === "Escape") finish(null);
      }}
      onBlur={() => finish(text)}
    />
  );
}
