// The providing department's answer to a pending request: approve (optionally fewer items and
// an earlier end) or refuse with a reason.
import { useState } from "react";
import { fieldError } from "../../api.js";
import { Field } from "../../components/Field.js";
import { ReasonDialog } from "../../components/ReasonDialog.js";
import type { SharingRequest } from "../../gen/govshare/v1/sharing_pb.js";
import { dayAfter, formatDate, formatTime } from "../../format.js";
import { useText } from "../../i18n.js";
import { useSession } from "../../session.js";
import { REQUEST_TEXT } from "./requestText.js";

interface DialogProps {
  request: SharingRequest;
  onClose: () => void;
  onDone: (updated: SharingRequest, message: string) => void;
}

export function DecideDialog({ request, onClose, onDone }: DialogProps) {
  const text = useText(REQUEST_TEXT);
  const { api } = useSession();
  const [approve, setApprove] = useState(true);
  const [items, setItems] = useState<string[]>(request.items);
  const [until, setUntil] = useState("");
  const [local, setLocal] = useState<{ items?: string }>({});

  const check = () => {
    const mine: { items?: string } = {};
    if (approve && items.length === 0) mine.items = text.itemsRequired;
    setLocal(mine);
    return !mine.items;
  };
  const send = async (reason: string) => {
    const narrowed = approve && items.length < request.items.length ? request.items.filter((i) => items.includes(i)) : [];
    const updated = await api.sharing.decideRequest({
      id: request.id,
      approve,
      reason: reason.trim(),
      items: narrowed,
      validUntil: approve && until ? dayAfter(until) : undefined,
    });
    onDone(updated, approve ? text.approved(updated.id, updated.grantId) : text.refused(updated.id));
  };

  const toggle = (name: string, on: boolean) =>
    setItems((cur) => (on ? request.items.filter((i) => i === name || cur.includes(i)) : cur.filter((i) => i !== name)));

  return (
    <ReasonDialog
      title={`${text.decideTitle} ${request.id}`}
      label={text.reason}
      hint={approve ? undefined : text.reasonHint}
      required={!approve}
      confirm={approve ? text.confirmApprove : text.confirmRefuse}
      tone={approve ? "primary" : "danger"}
      cancel={text.cancel}
      onClose={onClose}
      check={check}
      send={send}
      summary={
        <dl className="details">
          <dt>{text.entry}</dt>
          <dd>{request.entryCode}</dd>
          <dt>{text.requester}</dt>
          <dd>{request.requesterCode}</dd>
          <dt>{text.purpose}</dt>
          <dd>{request.purpose}</dd>
          <dt>{text.useScopeLabel}</dt>
          <dd>{request.useScope}</dd>
          <dt>{text.businessSystem}</dt>
          <dd>{request.businessSystem}</dd>
          <dt>{text.requestedUntilLabel}</dt>
          <dd>{formatTime(request.requestedUntil)}</dd>
          <dt>{text.due}</dt>
          <dd>
            {formatDate(request.dueAt)}
            {request.overdue ? <span className="overdue-mark"> ⚠ {text.overdue}</span> : null}
          </dd>
        </dl>
      }
    >
      {(failure) => (
        <>
          <fieldset>
            <legend>{text.decision}</legend>
            <div className="radio-row">
              <label>
                <input type="radio" name="decision" checked={approve} onChange={() => setApprove(true)} />
                {text.approve}
              </label>
              <label>
                <input type="radio" name="decision" checked={!approve} onChange={() => setApprove(false)} />
                {text.refuse}
              </label>
            </div>
          </fieldset>
          {approve ? (
            <>
              <fieldset aria-describedby="decide-items-hint">
                <legend>{text.grantItems}</legend>
                <div className="checks">
                  {request.items.map((name) => (
                    <label key={name}>
                      <input type="checkbox" checked={items.includes(name)} onChange={(e) => toggle(name, e.target.checked)} />
                      {name}
                    </label>
                  ))}
                </div>
                <div className="field-hint" id="decide-items-hint">
                  {text.grantItemsHint}
                </div>
                {local.items || fieldError(failure, "items") ? (
                  <div className="field-error" role="alert">
                    {local.items ?? fieldError(failure, "items")}
                  </div>
                ) : null}
              </fieldset>
              <Field label={text.validUntil} hint={text.validUntilHint} error={fieldError(failure, "valid_until")}>
                <input type="date" value={until} onChange={(e) => setUntil(e.target.value)} />
              </Field>
            </>
          ) : null}
        </>
      )}
    </ReasonDialog>
  );
}

export function WithdrawDialog({ request, onClose, onDone }: DialogProps) {
  const text = useText(REQUEST_TEXT);
  const { api } = useSession();
  return (
    <ReasonDialog
      title={`${text.withdrawTitle} ${request.id}`}
      label={text.withdrawReason}
      hint={text.withdrawReasonHint}
      confirm={text.confirmWithdraw}
      tone="danger"
      cancel={text.cancel}
      onClose={onClose}
      send={async (reason) => {
        const updated = await api.sharing.withdrawRequest({ id: request.id, reason: reason.trim() });
        onDone(updated, text.withdrawn(updated.id));
      }}
      summary={
        <p className="tight">
          {request.entryCode} · {request.purpose}
        </p>
      }
    />
  );
}
