// src/cli/api-types.ts: the API's JSON shapes, as the CLI reads them (types only).
import type { z } from 'zod';
import type { ApiJson } from '../api/index.js';

export type Info = z.output<typeof ApiJson.InfoJson>;
export type Peer = z.output<typeof ApiJson.PeerJson>;
export type Channel = z.output<typeof ApiJson.ChannelJson>;
export type ChannelList = z.output<typeof ApiJson.ChannelListJson>;
export type Balance = z.output<typeof ApiJson.BalanceJson>;
export type Payment = z.output<typeof ApiJson.PaymentJson>;
export type Attempt = z.output<typeof ApiJson.AttemptJson>;
export type Route = z.output<typeof ApiJson.RouteJson>;
export type Invoice = z.output<typeof ApiJson.InvoiceJson>;
export type InvoiceList = z.output<typeof ApiJson.InvoiceListJson>;
export type CreatedInvoice = z.output<typeof ApiJson.CreatedInvoiceJson>;
export type Fees = z.output<typeof ApiJson.FeesJson>;
export type ApiEvent = z.output<typeof ApiJson.EventJson>;
