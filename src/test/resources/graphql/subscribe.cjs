// A GraphQL subscriber for the tests: the graphql-ws reference client (graphql-transport-ws protocol) on the
// ws package, both pinned in .ci/graphql-ws-client (run with NODE_PATH pointing at its node_modules).
//
//   node subscribe.cjs <ws-url> <connection_init payload as JSON> <subscription query> [variables as JSON]
//
// Prints one JSON object per line, as it happens:
//   {"connected":true}                       the server acknowledged connection_init
//   {"next":{"data":...,"errors":...}}       one result of the subscription
//   {"error":...}                            the subscription failed
//   {"complete":true}                        the server completed the subscription
//   {"closed":{"code":4401,"reason":"..."}}  the socket closed (then the script exits)
// Closing stdin disposes of the client (and so closes the socket).
'use strict';
const { createClient } = require('graphql-ws');
const WebSocket = require('ws');

const [url, params, query, variables] = process.argv.slice(2);
const print = (o) => process.stdout.write(JSON.stringify(o) + '\n');

const client = createClient({
  url,
  webSocketImpl: WebSocket,
  connectionParams: JSON.parse(params),
  lazy: false, // connect (and send connection_init) now, not at the first subscribe
  retryAttempts: 0, // a refused connection must show, not be retried
  onNonLazyError: () => {}, // reported through on.closed
  on: {
    connected: () => print({ connected: true }),
    closed: (event) => {
      print({ closed: { code: event.code, reason: event.reason } });
      process.exit(0);
    },
  },
});

client.subscribe({ query, variables: variables ? JSON.parse(variables) : undefined }, {
  next: (result) => print({ next: result }),
  // A GraphQL error list, an Error, or the CloseEvent that ended the socket before the subscription ran.
  error: (error) => print({
    error: Array.isArray(error) ? error : error instanceof Error ? error.message
      : error && error.code ? { code: error.code, reason: error.reason }
      : error && error.message ? error.message : String(error),
  }),
  complete: () => print({ complete: true }),
});

process.stdin.on('end', () => client.dispose());
process.stdin.resume();
