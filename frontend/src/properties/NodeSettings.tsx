// A node's own settings, beside its module's parameters: label, comment, compute target, reuse of
// cached results and its limits (engine/document_schema.py NODE).
import type { GraphError, NodeDoc } from "../api/types";
import { FieldShell } from "./FieldShell";
import { NumberInput } from "./editors/NumberInput";
import { CheckboxInput, ChoiceSelect, TextInput } from "./editors/SimpleInputs";

export const MAX_LABEL = 200;
export const MAX_COMMENT = 10_000;

export interface NodeSettingsProps {
  idPrefix: string;
  node: NodeDoc;
  targets: string[];
  /** what its `environment` may name: the workspace's environments (name, name@version) */
  environments?: string[];
  /** this node's errors about one of these settings (`field` names it) */
  errors: GraphError[];
  onChange(patch: Partial<NodeDoc>): void;
}

export const NODE_FIELDS = ["label", "comment", "target", "environment", "reuse", "timeout", "memory_mb", "retry"] as const;
export const MAX_ATTEMPTS = 10; // engine/failures.py MAX_ATTEMPTS_CAP

export function NodeSettings({ idPrefix, node, targets, environments = [], errors, onChange }: NodeSettingsProps) {
  const about = (field: string) => errors.filter((e) => e.field === field).map((e) => e.message);
  const id = (field: string) => `${idPrefix}-node-${field}`;
  const target = node.target ?? undefined;
  const missingTarget =
    `Compute target ${target} does not exist on this server; choose ` +
    (targets.length ? `one of: ${targets.join(", ")}, or the server default.` : "the server default.");
  return (
    <section className="gw-node-settings" aria-labelledby={`${idPrefix}-settings-title`}>
      <h3 id={`${idPrefix}-settings-title`}>Node settings</h3>
      <FieldShell id={id("label")} label="Label" help="Shown on the canvas instead of the module's name." errors={about("label")}>
        {(ids) => (
          <TextInput ids={ids} value={node.label ?? ""} maxLength={MAX_LABEL}
            onCommit={(text) => onChange({ label: text.trim() === "" ? undefined : text })} />
        )}
      </FieldShell>
      <FieldShell id={id("comment")} label="Comment" help="A note kept with the node." errors={about("comment")}>
        {(ids) => (
          <TextInput ids={ids} value={node.comment ?? ""} multiline maxLength={MAX_COMMENT}
            onCommit={(text) => onChange({ comment: text === "" ? undefined : text })} />
        )}
      </FieldShell>
      <FieldShell id={id("target")} label="Compute target" help="Where the step runs." errors={about("target")}>
        {(ids) => (
          <ChoiceSelect ids={ids} value={target} choices={targets} emptyLabel="Server default"
            unknownMessage={missingTarget}
            onCommit={(value) => onChange({ target: value ?? null })} />
        )}
      </FieldShell>
      <FieldShell id={id("environment")} label="Environment"
        help="The Python packages the step runs with (see Environments); none: the server's own." errors={about("environment")}>
        {(ids) => (
          <ChoiceSelect ids={ids} value={node.environment ?? undefined} choices={environments} emptyLabel="Server packages"
            unknownMessage={`Environment ${node.environment} does not exist in this workspace; create it on the Environments page or choose another.`}
            onCommit={(value) => onChange({ environment: value ?? null })} />
        )}
      </FieldShell>
      <FieldShell id={id("reuse")} label="Reuse cached results"
        help="When the inputs, parameters and code are unchanged, take the earlier result instead of running again."
        errors={about("reuse")}>
        {(ids) => <CheckboxInput ids={ids} checked={node.reuse !== false} onCommit={(reuse) => onChange({ reuse })} />}
      </FieldShell>
      <FieldShell id={id("timeout")} label="Timeout (s)" help="Wall-clock seconds before the step is stopped; empty: the server's limit."
        hint="more than 0" errors={about("timeout")}>
        {(ids) => (
          <NumberInput ids={ids} value={node.timeout} rule={{ integer: false, min: 0, exclusiveMin: true }}
            placeholder="server limit" onCommit={(timeout) => onChange({ timeout })} />
        )}
      </FieldShell>
      <FieldShell id={id("memory_mb")} label="Memory (MB)" help="Memory the step may use; empty: the server's limit."
        hint="a whole number above 0" errors={about("memory_mb")}>
        {(ids) => (
          <NumberInput ids={ids} value={node.memory_mb} rule={{ integer: true, min: 0, exclusiveMin: true }}
            placeholder="server limit" onCommit={(memory_mb) => onChange({ memory_mb })} />
        )}
      </FieldShell>
      <FieldShell id={id("retry")} label="Attempts"
        help="How many times the step may run in all when it fails for a reason its retry policy names (by default infrastructure and lost workers, never errors in its code); empty: the server's default."
        hint={`a whole number from 1 to ${MAX_ATTEMPTS}`} errors={about("retry")}>
        {(ids) => (
          <NumberInput ids={ids} value={node.retry?.max_attempts} rule={{ integer: true, min: 1, max: MAX_ATTEMPTS }}
            placeholder="server default"
            onCommit={(max_attempts) => {
              const { max_attempts: _old, ...rest } = node.retry ?? {};
              const retry = max_attempts === undefined ? rest : { ...rest, max_attempts };
              onChange({ retry: Object.keys(retry).length ? retry : undefined });
            }} />
        )}
      </FieldShell>
    </section>
  );
}
