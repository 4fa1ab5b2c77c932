// src/api/routes/graph.ts: the channel graph around a node, and route queries.
import { z } from 'zod';
import { msat, nodeIdHex, queryInt, shortChannelId } from '../input-types.js';
import * as J from '../json-schemas.js';
import { defineRoute } from '../route-def.js';
import { graphChannelToJson, graphNodeToJson, routeToJson } from '../to-json.js';

const graphQuery = z.strictObject({
  around: nodeIdHex.optional().describe('centre node; this node when omitted'),
  depth: queryInt(1, 3).optional(),
  search: z.string().min(1).max(66).optional().describe('alias substring or node id prefix'),
  limit: queryInt(1, 2000).optional(),
});

export const graphRoutes = [
  defineRoute({
    method: 'GET',
    path: '/v1/graph/nodes',
    operationId: 'graphNodes',
    summary: 'Nodes around a node, or matching a search (alias or node id prefix)',
    tag: 'graph',
    access: 'read',
    query: graphQuery,
    response: J.GraphNodesJson,
    errors: [],
    handle: async ({ query }, { facade }) => ({
      nodes: (await facade.graphNodes(query)).map(graphNodeToJson),
    }),
  }),

  defineRoute({
    method: 'GET',
    path: '/v1/graph/channels',
    operationId: 'graphChannels',
    summary: 'Public channels around a node, with both directions’ policies',
    tag: 'graph',
    access: 'read',
    query: graphQuery,
    response: J.GraphChannelsJson,
    errors: [],
    handle: async ({ query }, { facade }) => ({
      channels: (await facade.graphChannels(query)).map(graphChannelToJson),
    }),
  }),

  defineRoute({
    method: 'GET',
    path: '/v1/graph/route',
    operationId: 'queryRoute',
    summary: 'The route a payment to a node would take now',
    tag: 'graph',
    access: 'read',
    query: z.strictObject({
      destination: nodeIdHex,
      amountMsat: msat,
      maxFeeMsat: msat.optional(),
      maxCltv: queryInt(9, 2016).optional(),
      outgoingChannel: shortChannelId.optional(),
    }),
    response: J.RouteJson,
    errors: ['no_route'],
    handle: async ({ query }, { facade }) => routeToJson(await facade.queryRoute(query)),
  }),
];
