import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { Providers } from '@/trpc/client';
import './globals.css';

export const metadata: Metadata = {
  title: 'MUSAR Review',
  description: 'Multi-subject generation with human review',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-screen bg-slate-50 font-sans text-sm text-slate-900 antialiased">
        <Providers>{children}</Providers>
      </body>
    </html>
  );
}
