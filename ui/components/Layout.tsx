/** The page shell: header, navigation, banners, one stylesheet, and the islands bundle. */
import type { ComponentChildren } from "preact";
import type { OutageBanner } from "../lib/outage.ts";
import { Island } from "./Island.tsx";

/** Props of Layout. */
export interface LayoutProps {
  title: string;
  /** Path of the current page, to mark the navigation. */
  path: string;
  /** CSRF token for the logout form; absent on the login page. */
  csrf?: string | undefined;
  /** Error banner (e.g. controller unreachable). */
  error?: string | undefined;
  /** Since when the controller is unreachable and the outage budget (kept live by the OutageBanner island); shown only with `csrf` (a logged-in operator). */
  outage?: OutageBanner | undefined;
  /** Success notice. */
  notice?: string | undefined;
  /** URL of the stylesheet (versioned). */
  styleUrl: string;
  /** URL of the islands bundle, when built. */
  scriptUrl?: string | undefined;
  children: ComponentChildren;
}

const NAV = [
  ["/", "Dashboard"],
  ["/connectors", "Connectors"],
  ["/tunnelers", "Tunnelers"],
  ["/resources", "Resources"],
  ["/groups", "Groups"],
  ["/policies", "Policies"],
  ["/tokens", "Tokens"],
  ["/api-keys", "API keys"],
  ["/events", "Events"],
] as const;

/** The page shell. */
export function Layout(props: LayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} · Postern`}</title>
        <link rel="stylesheet" href={props.styleUrl} />
        {props.scriptUrl && <script type="module" src={props.scriptUrl} defer />}
      </head>
      <body>
        <a class="skip" href="#main">Skip to content</a>
        <header class="top">
          <a class="brand" href="/">Postern</a>
          {props.csrf && (
            <nav aria-label="Main">
              {NAV.map(([href, label]) => (
                <a
                  key={href}
                  href={href}
                  aria-current={(href === "/" ? props.path === "/" : props.path.startsWith(href))
                    ? "page"
                    : undefined}
                >
                  {label}
                </a>
              ))}
            </nav>
          )}
          {props.csrf && (
            <form method="post" action="/logout" class="logout">
              <input type="hidden" name="_csrf" value={props.csrf} />
              <button type="submit">Log out</button>
            </form>
          )}
        </header>
        <main id="main">
          {props.csrf && <Island name="OutageBanner" props={{ banner: props.outage ?? null }} />}
          {props.error && <p class="banner error" role="alert" id="error-banner">{props.error}</p>}
          {props.notice && <p class="banner ok" role="status" id="notice">{props.notice}</p>}
          {props.children}
        </main>
      </body>
    </html>
  );
}
