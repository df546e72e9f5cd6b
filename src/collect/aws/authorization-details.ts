/** IAM GetAccountAuthorizationDetails: every page, merged into the CLI's shape. */
import {
  paginateGetAccountAuthorizationDetails,
  type GetAccountAuthorizationDetailsCommandOutput,
  type IAMClient,
} from '@aws-sdk/client-iam';
import type { WireAuthorizationDetails } from '../../model/aws-wire.js';
import type { AuthorizationDetailsExport } from '../files/iam/account-export.js';
import { toWire } from './sdk-boundary.js';

/** The API's largest page: fewest calls for big accounts. */
export const AUTHORIZATION_DETAILS_PAGE_SIZE = 1000;

/** All pages, following Marker until IsTruncated is false. Throws on the first failed page. */
export async function getAuthorizationDetails(
  iam: IAMClient,
  onPage: (pages: number) => void = () => {},
): Promise<GetAccountAuthorizationDetailsCommandOutput[]> {
  const pages: GetAccountAuthorizationDetailsCommandOutput[] = [];
  for await (const page of paginateGetAccountAuthorizationDetails({ client: iam, pageSize: AUTHORIZATION_DETAILS_PAGE_SIZE }, {})) {
    pages.push(page);
    onPage(pages.length);
  }
  return pages;
}

/** Pages -> one merged export, as the file importer would have read it. */
export function authorizationDetailsExport(pages: readonly GetAccountAuthorizationDetailsCommandOutput[], location: string): AuthorizationDetailsExport {
  const details: WireAuthorizationDetails = { UserDetailList: [], GroupDetailList: [], RoleDetailList: [], Policies: [] };
  for (const page of pages) {
    const wire = toWire(page) as WireAuthorizationDetails;
    details.UserDetailList!.push(...(wire.UserDetailList ?? []));
    details.GroupDetailList!.push(...(wire.GroupDetailList ?? []));
    details.RoleDetailList!.push(...(wire.RoleDetailList ?? []));
    details.Policies!.push(...(wire.Policies ?? []));
  }
  details.IsTruncated = false;
  return { files: [location], details, missingPages: false };
}
