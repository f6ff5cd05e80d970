// Previous / next for a limit-offset page of the API ("21–40 of 95").

export function Pager({
  offset,
  limit,
  count,
  onOffset,
  label,
}: {
  offset: number;
  limit: number;
  count: number;
  onOffset: (offset: number) => void;
  label: string;
}) {
  if (count <= limit && offset === 0) return null;
  const last = Math.min(offset + limit, count);
  return (
    <nav className="pager" aria-label={label}>
      <button type="button" disabled={offset <= 0} onClick={() => onOffset(Math.max(0, offset - limit))}>
        Previous
      </button>
      <span aria-live="polite">
        {count === 0 ? "none" : `${offset + 1}–${last} of ${count}`}
      </span>
      <button type="button" disabled={last >= count} onClick={() => onOffset(offset + limit)}>
        Next
      </button>
    </nav>
  );
}
