// The console end to end, as its users work through it, in headless Chromium against a real
// server (started by tests/console_e2e.rs, which passes its address and three tokens):
//
//   1. a wrong token is refused on the sign-in page;
//   2. the provider's cataloguer registers an entry through the form: first with a bad
//      classification code, whose server message must appear beside that field, then
//      corrected; then submits it for review;
//   3. the platform administrator approves it in the review queue;
//   4. another department's consumer finds it by search and requests two of its items
//      (有条件共享: pending, with a due date);
//   5. the provider's approver sees it beside an older request that is past its due date and
//      marked overdue (GOVSHARE_E2E_OVERDUE_REQUEST, seeded by the test), and approves the new
//      one in the decide dialog;
//   6. the consumer sees the grant on the grants page;
//   7. the provider revokes it, first without the reason the server requires;
//   8. the administrator finds the decision in the access log and verifies the chain;
//   9. the administrator opens this year's report.
//
// Along the way: the page fits 1366×768 without sideways scrolling, the navigation is reached
// by keyboard, English can be switched on, and no request leaves the console's origin.
// Prints one JSON line at the end: the entry code, request id and grant id, which the Rust test
// checks against the server.
import { expect, launch, settings } from "./browser.mjs";

const config = settings();
const { browser, page, shot, failed, foreign, consoleErrors } = await launch(config);

async function signIn(p, token) {
  await p.getByLabel("访问令牌").fill(token);
  await p.getByRole("button", { name: "登录", exact: true }).click();
  await p.getByRole("button", { name: "退出" }).waitFor();
}

/** The message shown beside the control `control` (its aria-describedby). */
async function messageBeside(control) {
  const ids = (await control.getAttribute("aria-describedby")) ?? "";
  const texts = [];
  for (const id of ids.split(/\s+/).filter(Boolean)) {
    const el = control.page().locator(`[id="${id}"]`);
    if ((await el.getAttribute("role")) === "alert") texts.push(await el.innerText());
  }
  return texts.join(" ");
}

async function fitsScreen(p, what) {
  const width = await p.evaluate(() => document.scrollingElement.scrollWidth);
  expect(width <= 1366, `${what} is ${width}px wide: it must fit a 1366×768 screen`);
}

let entryCode;
let requestId;
let grantId;
try {
  // 1. Sign-in: a wrong token is refused in words, and nothing else is shown.
  const provider = await page();
  await shot(provider, "sign-in");
  await provider.getByLabel("访问令牌").fill("gst_not-a-real-token");
  await provider.getByRole("button", { name: "登录", exact: true }).click();
  await provider.locator(".problem").waitFor();
  const refusal = await provider.locator(".problem").innerText();
  expect(refusal.includes("登录已失效"), "a wrong token is refused");
  // The server's reason, and its explanation in the page's language alone.
  expect(refusal.includes("CREDENTIAL_INVALID"), `the refusal names its reason: "${refusal}"`);
  expect(refusal.includes("凭证无效") && !refusal.includes("unknown credential"), `in Chinese only: "${refusal}"`);
  await signIn(provider, config.tokens.provider);

  // Keyboard: from the top of the page, Tab reaches the navigation's first link.
  await provider.keyboard.press("Tab");
  await provider.keyboard.press("Tab");
  const focused = await provider.evaluate(() => document.activeElement?.textContent ?? "");
  expect(focused === "资源目录", `the second Tab stop is the first navigation link, not "${focused}"`);

  // 2. Register through the form, with a wrong 项 code first.
  await provider.goto(`${config.url}#/entries/new`);
  const form = provider.locator("main");
  await form.getByLabel("类（1位）").selectOption({ label: "基础" });
  await form.getByLabel("项（2位）").fill("1");
  await form.getByLabel("目（3位）").fill("001");
  await form.getByLabel("信息资源名称").fill("企业登记基本信息（端到端）");
  await form.getByLabel("信息资源摘要").fill("市场主体登记的基本信息，供各部门核验企业身份。");
  await form.getByLabel("格式类型").selectOption({ label: "数据库" });
  await form.getByLabel("具体格式").fill("KingbaseES");
  await form.getByLabel("信息项1名称").fill("统一社会信用代码");
  await form.getByLabel("信息项1数据类型").selectOption({ label: "字符型 C" });
  await form.getByLabel("信息项1长度").fill("18");
  await form.getByRole("button", { name: "添加信息项" }).click();
  await form.getByLabel("信息项2名称").fill("企业名称");
  await form.getByLabel("信息项2数据类型").selectOption({ label: "字符型 C" });
  await form.getByLabel("信息项2长度").fill("200");
  await form.getByLabel("目录共享类型").selectOption({ label: "有条件共享" });
  await form.getByLabel("共享条件").fill("仅限履行法定职责的部门用于企业身份核验");
  await form.getByLabel("共享方式").selectOption({ label: "共享平台（接口）" });
  await form.getByLabel("更新周期").selectOption({ label: "每日" });
  await fitsScreen(provider, "the entry form");
  await form.getByRole("button", { name: "登记", exact: true }).click();

  const itemCode = form.getByLabel("项（2位）");
  await provider.waitForFunction(
    () => document.querySelectorAll("main [aria-invalid='true']").length > 0,
  );
  const beside = await messageBeside(itemCode);
  expect((await itemCode.getAttribute("aria-invalid")) === "true", "the 项 field is marked invalid");
  expect(/项/.test(beside) && beside.length > 4, `the server's message is beside the 项 field: "${beside}"`);
  const marked = await provider
    .locator("main [aria-invalid='true']")
    .evaluateAll((els) => els.map((el) => el.labels?.[0]?.textContent ?? el.getAttribute("aria-label")));
  expect(marked.length === 1, `only the wrong field is marked, not: ${marked.join(", ")}`);
  await shot(provider, "entry-form-validation-error");

  await itemCode.fill("02");
  await form.getByRole("button", { name: "登记", exact: true }).click();
  await provider.waitForURL(/#\/entries\/(?!new$)[^/]+$/);
  entryCode = decodeURIComponent(new URL(provider.url()).hash.replace(/^#\/entries\//, ""));
  expect(entryCode.length > 0, "the new entry's page names its code");
  await provider.getByRole("heading", { name: "企业登记基本信息（端到端）" }).waitFor();
  await provider.getByRole("button", { name: "提交审核" }).click();
  await provider.getByText("已提交审核，等待平台管理员审核。").waitFor();
  await shot(provider, "entry-submitted");

  // 3. The administrator approves it in the review queue.
  const admin = await page();
  await signIn(admin, config.tokens.admin);
  await admin.getByRole("link", { name: "目录审核" }).click();
  await admin.getByRole("button", { name: new RegExp(entryCode.replace(/[/]/g, "\\/")) }).click();
  await admin.getByRole("button", { name: "通过", exact: true }).click();
  await admin.getByRole("dialog").getByRole("button", { name: "确认通过" }).click();
  await admin.getByText(`已通过目录 ${entryCode}`).waitFor();
  await shot(admin, "review-approved");

  // 4. The consumer finds the entry by search and requests two of its items.
  const consumer = await page();
  await signIn(consumer, config.tokens.consumer);
  // The search index follows the catalogue a moment behind a publication.
  const hit = consumer
    .getByRole("row", { name: new RegExp(entryCode.replace(/[/]/g, "\\/")) })
    .getByRole("link", { name: /企业登记基本信息/ });
  for (let attempt = 0; ; attempt += 1) {
    await consumer.getByRole("searchbox", { name: "搜索目录" }).fill("企业登记");
    await consumer.keyboard.press("Enter");
    try {
      await hit.waitFor({ timeout: 1000 });
      break;
    } catch (e) {
      if (attempt >= 20) throw e;
    }
  }
  await shot(consumer, "catalogue-search");
  await hit.click();
  await consumer.getByRole("link", { name: "申请共享" }).click();
  await consumer.getByLabel("统一社会信用代码").check();
  await consumer.getByLabel("企业名称").check();
  await consumer.getByLabel("申请事由").fill("办理企业开办业务时核验企业身份");
  await consumer.getByLabel("使用范围").fill("本部门政务服务窗口");
  await consumer.getByLabel("业务系统").fill("企业开办一网通办系统");
  await consumer.getByRole("button", { name: "提交申请" }).click();
  const result = consumer.getByRole("status");
  await result.getByText("答复期限").waitFor();
  const resultText = await result.innerText();
  requestId = /REQ-\d+/.exec(resultText)?.[0];
  expect(requestId, `the result names the request: "${resultText}"`);
  await shot(consumer, "request-pending");

  // 5. The provider's approver approves it.
  await provider.goto(`${config.url}#/requests`);
  await provider.getByRole("tab", { name: "向本部门申请" }).click();
  // The request seeded six weeks back is past its due date: highlighted, and said in words.
  const overdueId = process.env.GOVSHARE_E2E_OVERDUE_REQUEST;
  if (overdueId) {
    const late = provider.getByRole("row", { name: new RegExp(overdueId) });
    await late.waitFor();
    expect(/overdue/.test((await late.getAttribute("class")) ?? ""), `${overdueId} is highlighted as overdue`);
    expect((await late.innerText()).includes("已逾期"), `${overdueId} says it is overdue`);
    const fresh = provider.getByRole("row", { name: new RegExp(requestId) });
    expect(!/overdue/.test((await fresh.getAttribute("class")) ?? ""), `${requestId} is not overdue`);
    await shot(provider, "requests-overdue");
  }
  const row = provider.getByRole("row", { name: new RegExp(requestId) });
  await row.getByRole("button", { name: "答复" }).click();
  await shot(provider, "decide-dialog");
  await provider.getByRole("dialog").getByRole("button", { name: "确认同意" }).click();
  await provider.getByText(new RegExp(`已同意申请 ${requestId}，已签发授权 GRT-\\d+`)).waitFor();
  const approved = await provider.getByText(new RegExp(`已同意申请 ${requestId}`)).innerText();
  grantId = /GRT-\d+/.exec(approved)?.[0];

  // 6. The consumer sees the grant.
  await consumer.goto(`${config.url}#/grants`);
  await consumer.getByRole("tab", { name: "本部门获得的授权" }).click();
  const grantRow = consumer.getByRole("row", { name: new RegExp(grantId) });
  await grantRow.waitFor();
  const grantText = await grantRow.innerText();
  expect(grantText.includes(entryCode) && grantText.includes("有效"), `the grant row: "${grantText}"`);
  expect(grantText.includes("统一社会信用代码") && grantText.includes("企业名称"), "the grant names its items");
  await fitsScreen(consumer, "the grants page");
  await shot(consumer, "grant-visible");

  // 7. The provider revokes the grant: without a reason the server's message stands beside
  //    the reason field and the grant stays active; with one, the grant is revoked.
  await provider.goto(`${config.url}#/grants`);
  await provider.getByRole("tab", { name: "本部门发出的授权" }).click();
  const issued = provider.getByRole("row", { name: new RegExp(grantId) });
  await issued.getByRole("button", { name: "撤销授权" }).click();
  const revoke = provider.getByRole("dialog");
  await revoke.getByRole("button", { name: "确认撤销" }).click();
  const reasonField = revoke.getByLabel("撤销理由");
  await provider.waitForFunction(
    () => document.querySelector("dialog [aria-invalid='true']") !== null,
  );
  const reasonMessage = await messageBeside(reasonField);
  expect(reasonMessage.length > 0, "the server's message is beside the empty revocation reason");
  expect((await issued.innerText()).includes("有效"), "the refused revocation left the grant active");
  await shot(provider, "revoke-without-reason");
  await reasonField.fill("业务系统已停用");
  await revoke.getByRole("button", { name: "确认撤销" }).click();
  await provider.getByText(`已撤销授权 ${grantId}。`).waitFor();
  await issued.getByText("已撤销").first().waitFor();

  // 8. The administrator finds the decision in the access log and verifies the chain.
  await admin.getByRole("link", { name: "访问日志" }).click();
  await admin.getByLabel("方法").fill("DecideRequest");
  await admin.getByRole("button", { name: "查询", exact: true }).click();
  await admin.getByRole("row", { name: new RegExp(requestId) }).first().waitFor();
  await admin.getByRole("button", { name: "校验日志链" }).click();
  await admin.getByText("日志哈希链完整").waitFor();
  await shot(admin, "access-log");

  // 9. The yearly report of this year opens with its sections.
  await admin.getByRole("link", { name: "年度报告" }).click();
  await admin.getByLabel("年度").fill(String(new Date().getFullYear()));
  await admin.getByRole("button", { name: "查询", exact: true }).click();
  await admin.getByRole("heading", { name: "二、共享" }).waitFor();
  await shot(admin, "annual-report");

  // English on request.
  await consumer.getByRole("button", { name: "English" }).click();
  await consumer.getByRole("link", { name: "Catalogue" }).waitFor();
  await shot(consumer, "english");

  expect(foreign.length === 0, `requests left the console's origin: ${foreign.join(", ")}`);
  expect(consoleErrors.length === 0, `errors in the page: ${consoleErrors.join("; ")}`);
  console.log(JSON.stringify({ entryCode, requestId, grantId }));
} catch (e) {
  await failed();
  throw e;
} finally {
  await browser.close();
}
