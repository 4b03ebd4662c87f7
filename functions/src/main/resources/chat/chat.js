'use strict';
// Threadline's chat page: plain script, no build step, nothing from other origins.
//
// Credentials. The long-lived bearer token is sent only in the Authorization header of fetch()
// calls. It comes from the URL fragment (/#token=...: a browser never sends a fragment to any
// server, and the page removes it from the address bar at once) or from the form, and is kept
// in sessionStorage (this tab only; gone when the tab closes). EventSource cannot send headers,
// so the stream is opened with a short-lived stream token for the one thread, minted through
// POST /v1/threads/{id}/stream-tokens; a bearer token is never put into a URL.
//
// Stream. One EventSource per thread, with follow=true, shows every run. When the connection
// drops, the browser reconnects to the same URL with the Last-Event-ID header by itself; if that
// URL's token is about to expire, or the server refused it, the page opens a new EventSource with
// a fresh token and ?lastEventId= instead, so nothing is lost or shown twice either way.
//
// Threads. The sidebar lists the owner's threads, most recently active first, a page at a time
// (GET /v1/threads, nextCursor). A thread opens with its newest messages; scrolling to the top
// loads older ones (GET .../messages?before=olderCursor). Deleting asks for confirmation first.

const TOKEN_KEY = 'threadline.token';
const THREAD_KEY = 'threadline.thread';
const RENEW_BEFORE_MS = 30_000; // at most; a third of the token's lifetime when that is shorter
const MAX_RETRY_MS = 15_000;
const THREADS_PER_PAGE = 20;
const OLDER_PER_PAGE = 50;

const $ = (id) => document.getElementById(id);

const state = {
  token: null,
  threadId: null,
  source: null, // the current EventSource
  streamTokenExpiresAt: 0, // ms since the epoch
  renewBeforeMs: RENEW_BEFORE_MS,
  streamsOpened: 0,
  lastEventId: null, // the id of the last stream event received
  retryMs: 1000,
  retryTimer: null,
  olderCursor: null, // pages back through the open thread; null: nothing older
  loadingOlder: false,
  threadsShown: 0, // how many threads the sidebar lists (pages loaded so far)
  threadsCursor: null, // the next page of the sidebar; null: no more
};

// One turn per run: the user's message and the reply, keyed by runId.
const turns = new Map();
const shownMessageIds = new Set();

// ---------------------------------------------------------------- API

async function api(method, path, body) {
  const headers = { Authorization: 'Bearer ' + state.token };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: 'no-store',
  });
  let data = null;
  try {
    data = await response.json();
  } catch (notJson) {
    // an empty or non-JSON body: the status says enough
  }
  if (response.status === 401) {
    forgetToken('The token was refused (401): paste a valid one.');
  }
  if (!response.ok) {
    const detail = data && (data.detail || data.title);
    const error = new Error(`${method} ${path}: ${response.status}${detail ? ' ' + detail : ''}`);
    error.status = response.status;
    throw error;
  }
  return data;
}

const threadPath = (suffix = '') => `/v1/threads/${encodeURIComponent(state.threadId)}${suffix}`;

// ---------------------------------------------------------------- rendering

function turnFor(runId, atTop = false) {
  let turn = turns.get(runId);
  if (!turn) {
    const el = document.createElement('div');
    el.className = 'turn';
    el.dataset.runId = runId;
    if (atTop) $('messages').prepend(el);
    else $('messages').append(el);
    turn = { el, user: null, reply: null };
    turns.set(runId, turn);
  }
  return turn;
}

function showUserMessage(runId, content, atTop = false) {
  const turn = turnFor(runId, atTop);
  if (turn.user) return;
  turn.user = messageElement('user', content);
  turn.el.prepend(turn.user); // before the reply, should the reply's reset have come first
  if (!atTop) scrollDown();
}

function messageElement(role, content) {
  const el = document.createElement('div');
  el.className = 'message ' + role;
  const text = document.createElement('div');
  text.className = 'text';
  text.textContent = content; // never innerHTML: replies are untrusted text
  el.append(text);
  return el;
}

// The reply of a run: text since its latest reset, and its state.
function replyFor(runId, atTop = false) {
  const turn = turnFor(runId, atTop);
  if (!turn.reply) {
    const el = messageElement('reply', '');
    el.dataset.runId = runId;
    const status = document.createElement('div');
    status.className = 'status';
    el.append(status);
    turn.el.append(el);
    turn.reply = { runId, el, text: '', epoch: null, resets: 0, state: 'streaming', note: '' };
  }
  return turn.reply;
}

function drawReply(reply, atTop = false) {
  const { el } = reply;
  el.querySelector('.text').textContent = reply.text;
  el.dataset.state = reply.state;
  el.dataset.epoch = reply.epoch ?? '';
  el.dataset.resets = reply.resets;
  const status = el.querySelector('.status');
  const parts = [reply.state];
  if (reply.resets > 1) parts.push(`restarted ${reply.resets - 1}× (epoch ${reply.epoch})`);
  if (reply.note) parts.push(reply.note);
  const label = document.createElement('span');
  label.textContent = parts.join(' · ');
  status.replaceChildren(label);
  if (reply.state === 'streaming' || reply.state === 'retrying') {
    const stop = document.createElement('button');
    stop.type = 'button';
    stop.className = 'quiet';
    stop.textContent = 'Stop';
    stop.addEventListener('click', () =>
      api('POST', threadPath(`/runs/${reply.runId}/cancel`)).catch(showError));
    status.append(stop);
  }
  if (!atTop) scrollDown();
}

const isFinal = (reply) => ['done', 'error', 'cancelled'].includes(reply.state);

function scrollDown() {
  window.scrollTo(0, document.body.scrollHeight);
}

// Shows what GET thread holds and the page does not: history on opening a thread, and after each
// (re)attach a reply that ended while no stream was open (the stored message is the final text).
async function showStoredMessages() {
  const thread = await api('GET', threadPath());
  for (const message of thread.messages) showStoredMessage(message, false);
  return thread;
}

function showStoredMessage(message, atTop) {
  if (shownMessageIds.has(message.id)) return;
  shownMessageIds.add(message.id);
  if (message.role === 'user') {
    showUserMessage(message.runId, message.content, atTop);
  } else if (message.role === 'assistant') {
    const reply = replyFor(message.runId, atTop);
    if (isFinal(reply)) return;
    reply.text = message.content;
    reply.state = 'done';
    drawReply(reply, atTop);
  }
}

// Older messages above the first shown, keeping in view what the user was looking at.
async function loadOlder() {
  if (!state.olderCursor || state.loadingOlder) return;
  state.loadingOlder = true;
  const threadId = state.threadId;
  try {
    const query = new URLSearchParams({ before: state.olderCursor, limit: OLDER_PER_PAGE });
    const page = await api('GET', `${threadPath('/messages')}?${query}`);
    if (state.threadId !== threadId) return;
    const heightBefore = document.documentElement.scrollHeight;
    // newest first, each at the top: the page ends up in order
    for (const message of [...page.messages].reverse()) showStoredMessage(message, true);
    window.scrollBy(0, document.documentElement.scrollHeight - heightBefore);
    setOlderCursor(page.olderCursor);
  } finally {
    state.loadingOlder = false;
  }
}

function setOlderCursor(cursor) {
  state.olderCursor = cursor;
  $('older').hidden = !cursor;
}

// ---------------------------------------------------------------- the stream

function onStreamEvent(type, event) {
  if (event.lastEventId) state.lastEventId = event.lastEventId;
  const data = JSON.parse(event.data);
  const reply = replyFor(data.runId);
  if (isFinal(reply)) return; // a replay of a run the page has already finished
  switch (type) {
    case 'reset': // the run (re)started: whatever was shown of it is void
      reply.epoch = data.epoch;
      reply.resets += 1;
      reply.text = '';
      reply.state = 'streaming';
      reply.note = '';
      break;
    case 'chunk':
      if (reply.epoch === null) reply.epoch = data.epoch;
      if (data.epoch !== reply.epoch) return;
      reply.text += data.delta;
      break;
    case 'done':
      reply.state = 'done';
      reply.note = '';
      break;
    case 'error':
      reply.state = data.retryable ? 'retrying' : 'error';
      reply.note = data.message;
      break;
    case 'cancelled':
      reply.state = 'cancelled';
      reply.note = '';
      break;
  }
  drawReply(reply);
}

async function connect() {
  closeStream();
  const threadId = state.threadId;
  let minted;
  try {
    minted = await api('POST', threadPath('/stream-tokens'));
  } catch (e) {
    if (e.status === 404 && state.threadId === threadId) {
      // deleted (from another tab or device): nothing to follow any more
      closeThread();
      showError(`Thread ${threadId} no longer exists.`);
      refreshThreads().catch(showError);
      return;
    }
    showError(e);
    if (state.token && state.threadId === threadId) retryLater();
    return;
  }
  if (state.threadId !== threadId || state.source) return; // another thread was opened meanwhile
  state.streamTokenExpiresAt = Date.parse(minted.expiresAt);
  state.renewBeforeMs = Math.min(RENEW_BEFORE_MS, (state.streamTokenExpiresAt - Date.now()) / 3);
  const query = new URLSearchParams({ follow: 'true', access_token: minted.token });
  if (state.lastEventId) query.set('lastEventId', state.lastEventId);
  const source = new EventSource(`${threadPath('/stream')}?${query}`);
  state.source = source;
  state.streamsOpened += 1;
  // for a look in the developer tools (and the browser test): when this URL stops working
  $('connection').dataset.tokenExpiresAt = minted.expiresAt;
  $('connection').dataset.streamsOpened = state.streamsOpened;
  for (const type of ['reset', 'chunk', 'done', 'error', 'cancelled']) {
    source.addEventListener(type, (event) => {
      // the server's 'error' event carries data; the EventSource's own error event does not
      if (type === 'error' && !event.data) return;
      onStreamEvent(type, event);
    });
  }
  source.addEventListener('open', () => {
    state.retryMs = 1000;
    setConnection('live', 'live');
    showStoredMessages().catch(showError);
  });
  for (const end of ['done', 'cancelled']) {
    source.addEventListener(end, () => refreshThreads().catch(showError));
  }
  source.addEventListener('error', () => {
    if (state.source !== source) return;
    if (source.readyState === EventSource.CLOSED) {
      // refused (an expired token: 401) or not a stream at all: start over with a new token
      retryLater();
    } else if (state.streamTokenExpiresAt - Date.now() < state.renewBeforeMs) {
      // the browser is about to retry a URL whose token will not be accepted any more
      connect();
    } else {
      setConnection('reconnecting', 'reconnecting…');
    }
  });
}

function retryLater() {
  closeStream();
  setConnection('reconnecting', `reconnecting in ${Math.round(state.retryMs / 1000)} s…`);
  state.retryTimer = setTimeout(connect, state.retryMs);
  state.retryMs = Math.min(state.retryMs * 2, MAX_RETRY_MS);
}

function closeStream() {
  clearTimeout(state.retryTimer);
  if (state.source) state.source.close();
  state.source = null;
  setConnection('off', 'not connected');
}

function setConnection(code, text) {
  $('connection').dataset.state = code;
  $('connection').textContent = text;
}

// ---------------------------------------------------------------- threads and messages

async function openThread(threadId) {
  closeThread();
  state.threadId = threadId;
  $('thread-id').textContent = threadId;
  sessionStorage.setItem(THREAD_KEY, threadId);
  markOpenThread();
  $('thread-list').querySelector('.open-thread')?.scrollIntoView({ block: 'nearest' });
  try {
    const thread = await showStoredMessages();
    setOlderCursor(thread.olderCursor);
  } catch (e) {
    if (state.threadId === threadId) closeThread();
    throw e;
  }
  $('send-form').hidden = false;
  scrollDown();
  await connect();
  $('message-input').focus();
}

function closeThread() {
  closeStream();
  state.threadId = null;
  state.lastEventId = null;
  turns.clear();
  shownMessageIds.clear();
  setOlderCursor(null);
  $('messages').replaceChildren();
  $('thread-id').textContent = '';
  $('send-form').hidden = true;
  sessionStorage.removeItem(THREAD_KEY);
  markOpenThread();
}

async function send(content) {
  const accepted = await api('POST', threadPath('/messages'), { content });
  showUserMessage(accepted.runId, content);
  refreshThreads().catch(showError); // the thread is now the most recently active
}

// ---------------------------------------------------------------- the sidebar

// The first pages again (as many threads as shown, at least one page): order changes with activity.
async function refreshThreads() {
  const limit = Math.min(100, Math.max(THREADS_PER_PAGE, state.threadsShown));
  const page = await api('GET', `/v1/threads?limit=${limit}`);
  $('thread-list').replaceChildren();
  state.threadsShown = 0;
  showThreads(page);
}

async function moreThreads() {
  if (!state.threadsCursor) return;
  const query = new URLSearchParams({ limit: THREADS_PER_PAGE, cursor: state.threadsCursor });
  showThreads(await api('GET', `/v1/threads?${query}`));
}

function showThreads(page) {
  for (const thread of page.threads) $('thread-list').append(threadItem(thread));
  state.threadsShown += page.threads.length;
  state.threadsCursor = page.nextCursor;
  $('more-threads').hidden = !page.nextCursor;
  $('no-threads').hidden = state.threadsShown > 0;
  markOpenThread();
}

function threadItem(thread) {
  const item = document.createElement('li');
  item.className = 'thread';
  item.dataset.threadId = thread.id;
  item.dataset.status = thread.status;
  const open = document.createElement('button');
  open.type = 'button';
  open.className = 'open';
  const title = document.createElement('span');
  title.className = 'title';
  title.textContent = thread.title || thread.id;
  const when = document.createElement('span');
  when.className = 'when';
  when.textContent = (thread.status === 'in_progress' ? 'replying · ' : '') + ago(thread.updatedAt);
  when.title = thread.updatedAt;
  open.append(title, when);
  open.addEventListener('click', guarded(() => openThread(thread.id)));
  const remove = document.createElement('button');
  remove.type = 'button';
  remove.className = 'delete quiet';
  remove.title = 'Delete this thread';
  remove.setAttribute('aria-label', `Delete thread ${thread.title || thread.id}`);
  remove.textContent = '×';
  remove.addEventListener('click', guarded(() => deleteThread(thread)));
  item.append(open, remove);
  return item;
}

function markOpenThread() {
  for (const item of $('thread-list').children) {
    item.classList.toggle('open-thread', item.dataset.threadId === state.threadId);
  }
}

async function deleteThread(thread) {
  const name = thread.title ? `"${thread.title}" (${thread.id})` : thread.id;
  if (!confirm(`Delete thread ${name}? Its messages are deleted for good.`)) return;
  await api('DELETE', `/v1/threads/${encodeURIComponent(thread.id)}`);
  if (state.threadId === thread.id) closeThread();
  await refreshThreads();
}

function ago(iso) {
  const seconds = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  if (seconds < 60) return 'just now';
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
  return new Date(iso).toLocaleDateString();
}

function showError(error) {
  $('notice').textContent = String(error.message || error);
}

// ---------------------------------------------------------------- the token

function useToken(token) {
  state.token = token;
  sessionStorage.setItem(TOKEN_KEY, token);
  $('token-form').hidden = true;
  $('sidebar').hidden = false;
  $('notice').textContent = '';
  refreshThreads().catch(showError);
}

function forgetToken(why) {
  closeThread();
  state.token = null;
  sessionStorage.removeItem(TOKEN_KEY);
  $('token-form').hidden = false;
  $('sidebar').hidden = true;
  $('thread-list').replaceChildren();
  state.threadsShown = 0;
  $('notice').textContent = why || '';
}

function tokenFromFragment() {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const token = fragment.get('token');
  if (token) {
    // out of the address bar and the history: a token does not belong in either
    history.replaceState(null, '', location.pathname + location.search);
  }
  return token;
}

// ---------------------------------------------------------------- wiring

function guarded(action) {
  return async (event) => {
    event.preventDefault();
    const button = event.submitter || event.currentTarget;
    button.disabled = true;
    try {
      $('notice').textContent = '';
      await action();
    } catch (e) {
      showError(e);
    } finally {
      button.disabled = false;
    }
  };
}

$('token-form').addEventListener('submit', guarded(async () => {
  useToken($('token-input').value.trim());
  $('token-input').value = '';
}));
$('forget-token').addEventListener('click', () => forgetToken(''));
$('new-thread').addEventListener('click', guarded(async () => {
  const thread = await api('POST', '/v1/threads', {});
  await refreshThreads();
  await openThread(thread.id);
}));
$('more-threads').addEventListener('click', guarded(moreThreads));
$('load-older').addEventListener('click', guarded(loadOlder));
window.addEventListener('scroll', () => {
  if (window.scrollY < 40 && state.olderCursor) loadOlder().catch(showError);
});
$('open-form').addEventListener('submit', guarded(() => openThread($('open-input').value.trim())));
$('send-form').addEventListener('submit', guarded(async () => {
  const content = $('message-input').value;
  if (!content.trim()) return;
  await send(content);
  $('message-input').value = '';
}));
$('message-input').addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey) {
    event.preventDefault();
    $('send-form').requestSubmit();
  }
});

const initialToken = tokenFromFragment() || sessionStorage.getItem(TOKEN_KEY);
if (initialToken) {
  useToken(initialToken);
  const lastThread = sessionStorage.getItem(THREAD_KEY);
  if (lastThread) openThread(lastThread).catch(showError);
} else {
  forgetToken('');
}
