// The module palette: modules by category with a search; help on hover and on keyboard focus;
// drag an entry onto the canvas, or press Enter (or click) to add it. It offers each module's
// default version (a custom module's chosen one), marking custom and deprecated ones.
import { useId, useMemo, useState, type DragEvent } from "react";
import type { ModuleSpec } from "../api/types";
import { MODULE_DRAG_TYPE } from "../canvas/dnd";
import { groupModules } from "./groupModules";
import { ModuleHelp } from "./ModuleHelp";
import "./palette.css";

interface PaletteProps {
  modules: readonly ModuleSpec[];
  onAdd(module: ModuleSpec): void;
}

export function Palette({ modules, onAdd }: PaletteProps) {
  const [query, setQuery] = useState("");
  const [help, setHelp] = useState<{ module: ModuleSpec; top: number } | null>(null);
  const helpId = useId();
  const groups = useMemo(() => groupModules(modules, query), [modules, query]);

  const showHelp = (module: ModuleSpec) => (event: { currentTarget: HTMLElement }) => {
    const box = event.currentTarget.getBoundingClientRect();
    setHelp({ module, top: Math.max(8, Math.min(box.top, window.innerHeight - 260)) });
  };
  const hideHelp = () => setHelp(null);
  const onDragStart = (module: ModuleSpec) => (event: DragEvent) => {
    event.dataTransfer.setData(MODULE_DRAG_TYPE, `${module.key}@${module.version}`);
    event.dataTransfer.setData("text/plain", module.label);
    event.dataTransfer.effectAllowed = "copy";
    hideHelp();
  };

  return (
    <nav className="gw-palette" aria-label="Modules">
      <label className="gw-palette-search">
        <span className="visually-hidden">Search modules</span>
        <input type="search" placeholder="Search modules" value={query} onChange={(e) => setQuery(e.target.value)} />
      </label>
      <div className="gw-palette-groups">
        {groups.length === 0 && <p className="gw-muted">No module matches “{query}”.</p>}
        {groups.map((group) => (
          <section key={group.category} aria-label={group.category}>
            <h2>{group.category}</h2>
            <ul>
              {group.modules.map((m) => {
                const open = help?.module === m;
                return (
                  <li key={`${m.key}@${m.version}`}>
                    <button
                      type="button"
                      className="gw-palette-entry"
                      draggable
                      onDragStart={onDragStart(m)}
                      onClick={() => onAdd(m)}
                      onMouseEnter={showHelp(m)}
                      onMouseLeave={hideHelp}
                      onFocus={showHelp(m)}
                      onBlur={hideHelp}
                      onKeyDown={(e) => e.key === "Escape" && hideHelp()}
                      aria-describedby={open ? helpId : undefined}
                      aria-label={`Add ${m.label}${m.custom ? ` custom v${m.version}` : ""}${m.status === "deprecated" ? " deprecated" : ""}`}
                    >
                      {m.label}
                      {m.custom && (
                        <>
                          {" "}
                          <span className="gw-palette-tag" title={`a custom module of this workspace, version ${m.version}`}>
                            custom v{m.version}
                          </span>
                        </>
                      )}
                      {m.status === "deprecated" && (
                        <>
                          {" "}
                          <span className="gw-palette-tag gw-palette-tag--deprecated">deprecated</span>
                        </>
                      )}
                    </button>
                  </li>
                );
              })}
            </ul>
          </section>
        ))}
      </div>
      {help && <ModuleHelp module={help.module} id={helpId} top={help.top} />}
    </nav>
  );
}
