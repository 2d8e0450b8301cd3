// An ARIA tab list and its panel: the selected tab is the one Tab stop, and arrow keys, Home and
// End move between tabs.
import { useEffect, useRef, type ReactNode } from "react";

export interface TabDef<K extends string> {
  key: K;
  label: string;
}

/** An ARIA tab list; the panel is the caller's, labelled by the selected tab's id. */
export function Tabs<K extends string>({
  label,
  tabs,
  selected,
  onSelect,
  idPrefix,
}: {
  label: string;
  tabs: TabDef<K>[];
  selected: K;
  onSelect: (key: K) => void;
  idPrefix: string;
}) {
  // Arrow keys select the next or previous tab, Home and End the first and last; the tab
  // takes the focus once it is shown as selected.
  const byKey = useRef(false);
  useEffect(() => {
    if (!byKey.current) return;
    byKey.current = false;
    document.getElementById(`${idPrefix}-tab-${selected}`)?.focus();
  }, [idPrefix, selected]);
  const move = (from: number, step: number) => {
    const next = tabs[(from + step + tabs.length) % tabs.length];
    byKey.current = true;
    onSelect(next.key);
  };
  return (
    <div className="tabs" role="tablist" aria-label={label}>
      {tabs.map((t, i) => (
        <button
          key={t.key}
          type="button"
          role="tab"
          id={`${idPrefix}-tab-${t.key}`}
          aria-selected={t.key === selected}
          aria-controls={`${idPrefix}-panel`}
          tabIndex={t.key === selected ? 0 : -1}
          onClick={() => onSelect(t.key)}
          onKeyDown={(e) => {
            const step = { ArrowRight: 1, ArrowLeft: -1, Home: -i, End: tabs.length - 1 - i }[e.key];
            if (step === undefined) return;
            e.preventDefault();
            move(i, step);
          }}
        >
          {t.label}
        </button>
      ))}
    </div>
  );
}

export function TabPanel({ idPrefix, selected, children }: { idPrefix: string; selected: string; children: ReactNode }) {
  return (
    <div role="tabpanel" id={`${idPrefix}-panel`} aria-labelledby={`${idPrefix}-tab-${selected}`}>
      {children}
    </div>
  );
}
