'use client';
// Browser client for the auth routes (/api/auth/*).
import { adminClient } from 'better-auth/client/plugins';
import { createAuthClient } from 'better-auth/react';
import { ac, roles } from './permissions';

export const authClient = createAuthClient({
  plugins: [adminClient({ ac, roles })],
});
