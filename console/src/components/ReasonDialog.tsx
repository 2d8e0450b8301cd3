// A dialog that asks for a reason (or a comment) and sends it: what is decided on, the server's
// message if the call fails, the reason with its own message beside it, and confirm and cancel.
import { useState, type FormEvent, type ReactNode } from "react";
import { fieldError, isField, problem, tidy, type Problem } from "../api.js";
import { Dialog } from "./Dialog.js";
import { Field } from "./Field.js";
import { ProblemBanner } from "./ProblemBanner.js";

interface ReasonDialogProps {
  title: string;
  /** The reason's label, and the hint under it. */
  label: string;
  hint?: string;
  required?: boolean;
  /** The reason's field in the request: its violations are shown beside the reason. */
  field?: string;
  /** The reason takes the focus when the dialog opens. */
  autoFocus?: boolean;
  /** A failure that is only about the reason is shown beside it alone, without the banner. */
  quiet?: boolean;
  /** The confirm button: its words and whether it approves or refuses. */
  confirm: string;
  tone: "primary" | "danger";
  cancel: string;
  onClose: () => void;
  /** Checks the rest of the form before anything is sent; false sends nothing. */
  check?: () => boolean;
  /** Sends the reason as typed. A missing reason is the server's to report, in its words. */
  send: (reason: string) => Promise<void>;
  /** What is decided on, above the server's message. */
  summary?: ReactNode;
  /** More of the form, between the server's message and the reason. */
  children?: (failure: Problem | null) => ReactNode;
}

export function ReasonDialog({
  title,
  label,
  hint,
  required,
  field = "reason",
  autoFocus,
  quiet,
  confirm,
  tone,
  cancel,
  onClose,
  check,
  send,
  summary,
  children,
}: ReasonDialogProps) {
  const [reason, setReason] = useState("");
  const [failure, setFailure] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (check && !check()) return;
    setBusy(true);
    try {
      await send(reason);
    } catch (err) {
      setFailure(tidy(problem(err)));
    } finally {
      setBusy(false);
    }
  };
  const reasonError = fieldError(failure, field);
  const banner = !quiet || !reasonError || Object.keys(failure?.fields ?? {}).some((k) => !isField(k, field));
  return (
    <Dialog title={title} onClose={onClose}>
      <form onSubmit={submit} noValidate>
        {summary}
        {banner ? <ProblemBanner problem={failure} /> : null}
        {children?.(failure)}
        <Field label={label} hint={hint} required={required} error={reasonError}>
          <textarea value={reason} onChange={(e) => setReason(e.target.value)} autoFocus={autoFocus} />
        </Field>
        <div className="actions">
          <button type="submit" className={tone} disabled={busy}>
            {confirm}
          </button>
          <button type="button" onClick={onClose}>
            {cancel}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
