/** The signed-in user as services see them (the tRPC context carries the same shape). */
export type SessionUser = {
  id: string;
  email: string;
  name: string;
  role: string | null;
  banned: boolean;
};
