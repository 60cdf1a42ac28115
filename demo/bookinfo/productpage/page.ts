// The HTML of Bookinfo's product page: the book, its details, its reviews with stars, and
// which pods served them.
import type { Product } from "./products.ts";
import type { Upstream } from "./upstreams.ts";

export interface PageModel {
  pod: string;
  user: string;
  product: Product;
  details: Upstream;
  reviews: Upstream;
}

const escape = (value: unknown) =>
  String(value ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function renderProductPage(model: PageModel): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Simple Bookstore App</title>
<style>body{font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}
.stars{font-size:1.3rem}.served{color:#666;font-size:.85rem}table{border-collapse:collapse}
td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}</style></head>
<body>
<header><strong>BookInfo Sample</strong> ${renderLogin(model.user)}</header>
<h1>${escape(model.product.title)}</h1>
<p>${model.product.descriptionHtml}</p>
<section id="details"><h2>Book Details</h2>${renderDetails(model.details)}</section>
<section id="reviews"><h2>Book Reviews</h2>${renderReviews(model.reviews)}</section>
<footer class="served">Page served by: ${escape(model.pod)}</footer>
</body></html>
`;
}

function renderLogin(user: string): string {
  if (user) return `<span id="user">${escape(user)}</span> <a href="/logout">sign out</a>`;
  return `<form method="post" action="/login" style="display:inline">
<input name="username" placeholder="User name"> <button type="submit">Sign in</button></form>`;
}

function renderDetails({ status, body }: Upstream): string {
  if (status !== 200) return `<p class="error">Error fetching product details! ${escape(body.error)}</p>`;
  const rows = ["type", "pages", "publisher", "language", "ISBN-10", "ISBN-13"]
    .map((key) => `<tr><th>${escape(key)}</th><td>${escape(body[key])}</td></tr>`)
    .join("");
  return `<table>${rows}</table><p class="served">Details served by: ${escape(body.podname)}</p>`;
}

interface Review {
  reviewer?: string;
  text?: string;
  rating?: { stars?: number; color?: string; error?: string };
}

function renderReviews({ status, body }: Upstream): string {
  if (status !== 200) return `<p class="error">Error fetching product reviews! ${escape(body.error)}</p>`;
  const reviews = Array.isArray(body.reviews) ? (body.reviews as Review[]) : [];
  const items = reviews.map((review) => `<blockquote><p>${escape(review.text)}</p>
<small>${escape(review.reviewer)}</small>${renderRating(review.rating)}</blockquote>`);
  return `${items.join("\n")}<p class="served">Reviews served by: ${escape(body.podname)}</p>`;
}

function renderRating(rating: Review["rating"]): string {
  if (!rating) return "";
  if (rating.error) return `<p class="error">${escape(rating.error)}</p>`;
  const stars = Math.max(0, Math.min(5, rating.stars ?? 0));
  const color = rating.color === "red" ? "red" : "black";
  return `<p class="stars" style="color:${color}" data-color="${color}" data-stars="${stars}">${"★".repeat(stars)}${"☆".repeat(5 - stars)}</p>`;
}
