// A labelled form control with the server's (or the form's) message for it shown beside it.
import { cloneElement, useId, type ReactElement } from "react";

interface FieldProps {
  label: string;
  /** The violation of this field, from the API's BadRequest details; shown in red beside it. */
  error?: string;
  hint?: string;
  required?: boolean;
  /** One control: input, select or textarea. It gets the id, aria-invalid and aria-describedby. */
  children: ReactElement<Record<string, unknown>>;
}

export function Field({ label, error, hint, required, children }: FieldProps) {
  const id = useId();
  const messageId = `${id}-message`;
  const hintId = `${id}-hint`;
  const describedBy = [error ? messageId : null, hint ? hintId : null].filter(Boolean).join(" ") || undefined;
  return (
    <div className={error ? "field field-invalid" : "field"}>
      <label htmlFor={id}>
        {label}
        {required ? <span className="required" aria-hidden="true"> *</span> : null}
      </label>
      <div className="field-control">
        {cloneElement(children, {
          id,
          "aria-invalid": error ? true : undefined,
          "aria-describedby": describedBy,
          "aria-required": required || undefined,
        })}
        {hint ? (
          <div className="field-hint" id={hintId}>
            {hint}
          </div>
        ) : null}
        {error ? (
          <div className="field-error" id={messageId} role="alert">
            {error}
          </div>
        ) : null}
      </div>
    </div>
  );
}
