/**
 * What a phone does with a released profile (in a real deployment: the LPA over ES9+, which this
 * simulator does not speak), and the HandleDownloadProgressInfo notifications each step makes the SM-DP+
 * send to the operator (SGP.22 v2.2 §5.3.5, Table 32a): point 3 download, point 4 installation, and the
 * custom points agreed with the operator for enable, disable and delete.
 */
import { randomUUID } from 'node:crypto';
import type { StatusCodeData } from './functions.js';
import type { Pool, Profile } from './pool.js';

export type PhoneAction = 'download' | 'install' | 'enable' | 'disable' | 'delete';
export const PHONE_ACTIONS: readonly PhoneAction[] = ['download', 'install', 'enable', 'disable', 'delete'];

export interface NotificationPoints {
  download: number;
  install: number;
  enable: number;
  disable: number;
  delete: number;
}
export const DEFAULT_POINTS: NotificationPoints = {
  download: 3,
  install: 4,
  enable: 101,
  disable: 102,
  delete: 5,
};

export interface Notification {
  header: { functionRequesterIdentifier: string; functionCallIdentifier: string };
  eid?: string;
  iccid: string;
  profileType: string;
  timestamp: string;
  notificationPointId: number;
  notificationPointStatus: { status: 'Executed-Success' | 'Failed'; statusCodeData?: StatusCodeData };
  resultData?: string;
}

export class PhoneError extends Error {}

/** `from` states each action needs, and the change it makes on success. */
function applies(action: PhoneAction, p: Profile): Partial<Profile> {
  switch (action) {
    case 'download':
      if (p.state !== 'Released' && p.state !== 'Downloaded') break;
      return { state: 'Downloaded' };
    case 'install':
      if (p.state !== 'Downloaded') break;
      return { state: 'Installed' };
    case 'enable':
      if (p.state !== 'Installed' || (p.deviceState !== 'none' && p.deviceState !== 'disabled')) break;
      return { deviceState: 'enabled' };
    case 'disable':
      if (p.state !== 'Installed' || p.deviceState !== 'enabled') break;
      return { deviceState: 'disabled' };
    case 'delete':
      if (p.state !== 'Installed' || p.deviceState === 'deleted') break;
      return { deviceState: 'deleted' };
  }
  throw new PhoneError(`cannot ${action} a profile in state ${p.state} (${p.deviceState})`);
}

export interface PhoneStep {
  eid?: string;
  /** Make this step fail: the profile goes to Error and the notification carries this code. */
  fail?: StatusCodeData;
}

/** Runs one phone step on the pool and returns the notification to send. */
export function phoneStep(
  pool: Pool,
  p: Profile,
  action: PhoneAction,
  step: PhoneStep,
  ctx: { requester: string; points: NotificationPoints; now: Date },
): Notification {
  if (step.eid && p.eid && step.eid !== p.eid) throw new PhoneError('another EID is bound to this profile');
  const eid = p.eid ?? step.eid ?? null;
  if (step.fail) {
    if (action !== 'download' && action !== 'install') throw new PhoneError('only download or install fail');
    if (action === 'download' && p.state !== 'Released') throw new PhoneError(`profile is ${p.state}`);
    if (action === 'install' && p.state !== 'Downloaded') throw new PhoneError(`profile is ${p.state}`);
    pool.set(p, { state: 'Error', eid });
  } else {
    pool.set(p, { ...applies(action, p), eid });
  }
  const n: Notification = {
    header: { functionRequesterIdentifier: ctx.requester, functionCallIdentifier: randomUUID() },
    iccid: p.iccid,
    profileType: p.profileType,
    timestamp: ctx.now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    notificationPointId: ctx.points[action],
    notificationPointStatus: step.fail
      ? { status: 'Failed', statusCodeData: step.fail }
      : { status: 'Executed-Success' },
  };
  if (eid) n.eid = eid;
  // the eUICC's ProfileInstallationResult finalResult (a stand-in: SEQUENCE { successResult })
  if (action === 'install' && !step.fail)
    n.resultData = Buffer.from('a0053003800101', 'hex').toString('base64');
  return n;
}

/** The annex-style variant some SM-DP+s send: `timeStamp`, a string point id and the ICCID padded with F. */
export function annexStyle(n: Notification): Record<string, unknown> {
  const { timestamp, notificationPointId, iccid, ...rest } = n;
  return {
    ...rest,
    iccid: iccid.length === 19 ? `${iccid}F` : iccid,
    timeStamp: timestamp,
    notificationPointId: String(notificationPointId),
  };
}
