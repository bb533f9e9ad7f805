// Connect with the official centrifuge-js SDK, subscribe to channels, and print every event
// as one JSON line on stdout. Exits 0 once one publication arrived in each channel (and, with
// --server-channel, one server-side publication), 1 on a terminal error, 2 on timeout.
//
// usage: node subscribe.mjs <ws url> <token or ""> <channel>[,<channel>...] [--server-channel C]

import { Centrifuge } from 'centrifuge';
import WebSocket from 'ws';

const [url, token, channelList, flag, serverChannel] = process.argv.slice(2);
const channels = channelList.split(',').filter(Boolean);
const waiting = new Set(channels);
if (flag === '--server-channel' && serverChannel) {
  waiting.add(`server:${serverChannel}`);
}

function emit(event, fields) {
  process.stdout.write(JSON.stringify({ event, ...fields }) + '\n');
}

let finished = false;

function done(channel) {
  waiting.delete(channel);
  if (waiting.size === 0 && !finished) {
    finished = true;
    emit('done', {});
    centrifuge.disconnect();
    process.exit(0);
  }
}

const centrifuge = new Centrifuge(url, {
  token: token || undefined,
  websocket: WebSocket,
  name: 'chorus-js-test',
  minReconnectDelay: 50,
  maxReconnectDelay: 200,
});

centrifuge.on('connected', (ctx) => emit('connected', { client: ctx.client, transport: ctx.transport }));
centrifuge.on('connecting', (ctx) => emit('connecting', { code: ctx.code, reason: ctx.reason }));
centrifuge.on('disconnected', (ctx) => {
  emit('disconnected', { code: ctx.code, reason: ctx.reason });
  if (!finished) {
    process.exit(1);
  }
});
centrifuge.on('error', (ctx) => emit('error', { message: String(ctx.error && ctx.error.message) }));
centrifuge.on('subscribed', (ctx) => emit('server_subscribed', { channel: ctx.channel }));
centrifuge.on('publication', (ctx) => {
  emit('server_publication', { channel: ctx.channel, data: ctx.data, offset: ctx.offset });
  done(`server:${ctx.channel}`);
});

// Subscriptions made before connect() go out in the same frame as the connect command:
// centrifuge-js batches them, newline-separated.
for (const channel of channels) {
  const sub = centrifuge.newSubscription(channel);
  sub.on('subscribed', (ctx) => emit('subscribed', {
    channel: ctx.channel, recoverable: ctx.recoverable, position: ctx.streamPosition || null,
  }));
  sub.on('unsubscribed', (ctx) => emit('unsubscribed', { channel, code: ctx.code, reason: ctx.reason }));
  sub.on('error', (ctx) => emit('subscription_error', { channel, message: String(ctx.error && ctx.error.message) }));
  sub.on('publication', (ctx) => {
    emit('publication', { channel, data: ctx.data, offset: ctx.offset });
    done(channel);
  });
  sub.subscribe();
}

setTimeout(() => {
  emit('timeout', { waiting: [...waiting] });
  process.exit(2);
}, 15000).unref();

centrifuge.connect();
