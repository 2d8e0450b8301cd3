// A department asks for a published entry: the entry's items to choose from, the purpose, use
// scope and business system, and an optional end. The answer comes at once: granted
// (无条件共享), waiting for the provider (有条件共享), or refused with the entry's basis.
import { useState, type FormEvent } from "react";
import { fieldError, problem, tidy, type Problem } from "../../api.js";
import { Field } from "../../components/Field.js";
import { ProblemBanner } from "../../components/ProblemBanner.js";
import { ShareType } from "../../gen/govshare/v1/common_pb.js";
import { RequestState, type SharingRequest } from "../../gen/govshare/v1/sharing_pb.js";
import { dayAfter, formatDate } from "../../format.js";
import { useEnumLabel, useText } from "../../i18n.js";
import { Link, navigate, pathOf, useRoute } from "../../router.js";
import { Role, useSession } from "../../session.js";
import { useCall } from "../../useCall.js";
import { Filter, grantPath } from "./common.js";
import { REQUEST_TEXT } from "./requestText.js";

export function NewRequest() {
  const route = useRoute();
  const code = (route.query.get("entry") ?? "").trim();
  const text = useText(REQUEST_TEXT);
  const [codeInput, setCodeInput] = useState(code);
  const load = (e: FormEvent) => {
    e.preventDefault();
    const c = codeInput.trim();
    if (c) navigate(`/requests/new?entry=${encodeURIComponent(c)}`);
  };
  return (
    <>
      <p>
        <Link to="/requests">← {text.back}</Link>
      </p>
      <h1>{text.newTitle}</h1>
      <form className="filters" onSubmit={load}>
        <Filter label={text.entryCode}>
          <input value={codeInput} onChange={(e) => setCodeInput(e.target.value)} placeholder="303084122704/000001" />
        </Filter>
        <button type="submit">{text.loadEntry}</button>
      </form>
      {code ? <RequestForm key={code} code={code} /> : null}
    </>
  );
}

function RequestForm({ code }: { code: string }) {
  const session = useSession();
  const text = useText(REQUEST_TEXT);
  const label = useEnumLabel();
  const entry = useCall(() => session.api.catalog.getEntry({ code }), [code]);
  const [chosen, setChosen] = useState<string[] | null>(null);
  const [purpose, setPurpose] = useState("");
  const [useScope, setUseScope] = useState("");
  const [businessSystem, setBusinessSystem] = useState("");
  const [until, setUntil] = useState("");
  const [failure, setFailure] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<SharingRequest | null>(null);

  if (entry.problem) return <ProblemBanner problem={entry.problem} />;
  if (!entry.data) return <p className="empty">{text.loading}</p>;
  const e = entry.data;
  const meta = e.metadata;
  const entryShare = meta?.sharing?.shareType ?? ShareType.UNSPECIFIED;
  const items = meta?.items ?? [];
  const shareable = (t: ShareType) => (t === ShareType.UNSPECIFIED ? entryShare : t) !== ShareType.NOT_SHARED;
  const selected = chosen ?? items.filter((i) => shareable(i.shareType)).map((i) => i.name);
  const own = session.department !== "" && e.providerCode === session.department;

  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    setBusy(true);
    setResult(null);
    try {
      const created = await session.api.sharing.createRequest({
        entryCode: e.code,
        items: items.filter((i) => selected.includes(i.name)).map((i) => i.name),
        purpose: purpose.trim(),
        useScope: useScope.trim(),
        businessSystem: businessSystem.trim(),
        requestedUntil: until ? dayAfter(until) : undefined,
      });
      setFailure(null);
      setResult(created);
    } catch (err) {
      setFailure(tidy(problem(err)));
    } finally {
      setBusy(false);
    }
  };

  if (result) return <Outcome request={result} />;

  const toggle = (name: string, on: boolean) =>
    setChosen(on ? items.map((i) => i.name).filter((n) => n === name || selected.includes(n)) : selected.filter((n) => n !== name));
  const itemsError = fieldError(failure, "items");

  return (
    <form onSubmit={submit} noValidate aria-label={text.newTitle}>
      <dl className="details">
        <dt>{text.entryCode}</dt>
        <dd>
          <Link to={pathOf("entries", e.code)}>
            <code>{e.code}</code>
          </Link>
        </dd>
        <dt>{text.entryName}</dt>
        <dd>{meta?.name}</dd>
        <dt>{text.entryProvider}</dt>
        <dd>
          {meta?.providerName} <code>{e.providerCode}</code>
        </dd>
        <dt>{text.entryShareType}</dt>
        <dd>{label("shareType", entryShare)}</dd>
        {meta?.sharing?.condition ? (
          <>
            <dt>{text.condition}</dt>
            <dd>{meta.sharing.condition}</dd>
          </>
        ) : null}
        {meta?.sharing?.basis ? (
          <>
            <dt>{text.basis}</dt>
            <dd>{meta.sharing.basis}</dd>
          </>
        ) : null}
      </dl>
      {entryShare === ShareType.NOT_SHARED ? <p className="problem">{text.entryNotShared}</p> : null}
      {own ? <p className="problem">{text.ownEntry}</p> : null}
      {!session.has(Role.CONSUMER) || !session.department ? <p className="problem">{text.consumerOnly}</p> : null}
      <ProblemBanner problem={failure} />
      <fieldset aria-describedby="request-items-hint">
        <legend>{text.items}</legend>
        <div className="checks">
          {items.map((i) => {
            const ok = shareable(i.shareType);
            return (
              <label key={i.name}>
                <input
                  type="checkbox"
                  disabled={!ok}
                  checked={ok && selected.includes(i.name)}
                  onChange={(ev) => toggle(i.name, ev.target.checked)}
                />
                <span>
                  {i.name}{" "}
                  <span className="muted">
                    （{label("dataType", i.dataType)}
                    {i.length ? ` · ${i.length}` : ""}
                    {i.shareType !== ShareType.UNSPECIFIED ? ` · ${label("shareType", i.shareType)}` : ""}）
                  </span>
                  {!ok ? <span className="badge bad"> {text.notSharedItem}</span> : null}
                </span>
              </label>
            );
          })}
        </div>
        <div className="field-hint" id="request-items-hint">
          {text.itemsHint}
        </div>
        {itemsError ? (
          <div className="field-error" role="alert">
            {itemsError}
          </div>
        ) : null}
      </fieldset>
      <Field label={text.purpose} required error={fieldError(failure, "purpose")}>
        <textarea value={purpose} onChange={(ev) => setPurpose(ev.target.value)} />
      </Field>
      <Field label={text.useScope} required error={fieldError(failure, "use_scope")}>
        <textarea value={useScope} onChange={(ev) => setUseScope(ev.target.value)} />
      </Field>
      <Field label={text.businessSystem} required error={fieldError(failure, "business_system")}>
        <input value={businessSystem} onChange={(ev) => setBusinessSystem(ev.target.value)} />
      </Field>
      <Field label={text.requestedUntil} hint={text.requestedUntilHint} error={fieldError(failure, "requested_until")}>
        <input type="date" value={until} onChange={(ev) => setUntil(ev.target.value)} />
      </Field>
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? text.submitting : text.submit}
        </button>
      </div>
    </form>
  );
}

function Outcome({ request }: { request: SharingRequest }) {
  const text = useText(REQUEST_TEXT);
  const label = useEnumLabel();
  const granted = request.state === RequestState.APPROVED;
  return (
    <section aria-live="polite">
      {granted ? (
        <div className="notice" role="status">
          <p className="tight">{text.grantedAtOnce(request.id)}</p>
          <p className="tight">
            {text.grantId}：<strong>{request.grantId}</strong>
          </p>
        </div>
      ) : request.state === RequestState.PENDING ? (
        <div className="notice" role="status">
          <p className="tight">{text.pendingUntil(request.id, formatDate(request.dueAt))}</p>
        </div>
      ) : (
        <p className="problem" role="status">
          {label("requestState", request.state)} {request.reason}
        </p>
      )}
      <dl className="details">
        <dt>{text.id}</dt>
        <dd>{request.id}</dd>
        <dt>{text.state}</dt>
        <dd>{label("requestState", request.state)}</dd>
        <dt>{text.shareType}</dt>
        <dd>{label("shareType", request.shareType)}</dd>
        <dt>{text.requestedItems}</dt>
        <dd>{request.items.join("、")}</dd>
        {request.dueAt ? (
          <>
            <dt>{text.due}</dt>
            <dd>{formatDate(request.dueAt)}</dd>
          </>
        ) : null}
      </dl>
      <div className="actions">
        <Link to={pathOf("requests", request.id)}>{text.viewRequest}</Link>
        {request.grantId ? (
          <Link to={grantPath(request.requesterCode, request)}>
            {text.viewGrants}
          </Link>
        ) : null}
        <Link to="/requests?tab=outgoing">{text.back}</Link>
      </div>
    </section>
  );
}
