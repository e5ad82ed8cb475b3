import {PDFDocument, StandardFonts} from "pdf-lib";
import {buildPdf} from "../../src/docs/loaders/test-fixtures/loader-fixtures.js";
import {docxParagraph, docxTable, makeDocx, makeEpub, makeOdt, makePptx, makeXlsx} from "../../src/docs/loaders/test-fixtures/office-fixtures.js";

/**
 * The retrieval-quality corpus: files in thirteen formats about unrelated everyday subjects, grouped in pairs
 * that share vocabulary but not facts (two companies' leave rules, two backup schedules, two bakes, two products of
 * one brand, two towns, two e-mails announcing an outage, two releases of one tool...), so a question only finds
 * its document if the ranking weighs the words that tell the pair apart.
 *
 * Multi-document files (CSV rows, JSON Lines lines) are judged per document: a question about one library branch
 * must bring back that branch's row (`library-branches.csv#row=N`), not merely the file, because the other rows
 * are exactly the near misses a user would be misled by.
 */

export interface CorpusFile {
  readonly name: string;
  /** Documents the loaders make of the file: one, or one per CSV row / JSONL line. */
  readonly documents: number;
  readonly build: () => Promise<Uint8Array | string> | Uint8Array | string;
}

export interface RetrievalQuestion {
  readonly question: string;
  /** The expected document's source relative to the corpus folder (`name` or `name#row=N` / `name#line=N`). */
  readonly expected: string;
}

function odtHeading(text: string, level = 1): string {
  return `<text:h text:outline-level="${level}">${escapeXml(text)}</text:h>`;
}

function odtParagraph(text: string): string {
  return `<text:p>${escapeXml(text)}</text:p>`;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function csvCell(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * A PDF with one paragraph per page. buildPdf draws a page's text as a single line on a 500 pt wide page, and text
 * running off the page is not extracted, so each line gets a font size small enough to fit: the text layer, not
 * legibility, is what ingestion reads.
 */
async function pdfOfParagraphs(paragraphs: readonly string[], title: string): Promise<Uint8Array> {
  const font = await (await PDFDocument.create()).embedFont(StandardFonts.Helvetica);
  return buildPdf(
    paragraphs.map((text) => ({text, size: Math.min(12, 460 / font.widthOfTextAtSize(text, 1))})),
    {title}
  );
}

export const CORPUS: readonly CorpusFile[] = [
  {
    name: "acme-employee-handbook.docx",
    documents: 1,
    build: () =>
      makeDocx(
        [
          docxParagraph("Acme Logistics Employee Handbook", "Heading1"),
          docxParagraph("1. Working hours", "Heading2"),
          docxParagraph(
            "Our standard working week is 38.5 hours, Monday to Friday. Core hours are 10:00 to 15:00; outside those hours you may arrange your day with your team lead. Overtime must be approved in advance and is compensated with time off in lieu at a rate of one and a half hours per hour worked."
          ),
          docxParagraph("2. Remote work", "Heading2"),
          docxParagraph(
            "Employees who have completed their probation period may work from home up to two days per week, with the agreement of their manager. Equipment for the home office (a monitor, a keyboard and a headset) is provided by the IT department on request. Working from abroad requires written approval from HR because of tax and social insurance rules."
          ),
          docxParagraph("3. Vacation and annual leave", "Heading2"),
          docxParagraph(
            "Full-time staff receive 25 days of paid annual leave per calendar year, accrued at a rate of just over two days per month. Part-time colleagues receive a pro-rata entitlement. Leave requests are entered in the HR portal at least two weeks before the first day off; requests for more than ten consecutive working days need four weeks' notice."
          ),
          docxParagraph(
            "Unused holiday does not simply disappear at the end of the year. Up to five days of unused annual leave may be carried forward into the following calendar year. Carried-forward days must be taken by 31 March; any days still left after that date are forfeited and are not paid out. Days beyond the five-day limit lapse on 31 December, unless the leave could not be taken because of long-term illness or parental leave."
          ),
          docxParagraph("Long-service leave", "Heading3"),
          docxParagraph("Loyalty is rewarded with extra days of leave, added to the annual entitlement from the anniversary of your start date:"),
          docxTable([
            ["Length of service", "Extra leave days per year"],
            ["5 years", "1"],
            ["10 years", "3"],
            ["20 years", "5"]
          ]),
          docxParagraph("4. Expenses", "Heading2"),
          docxParagraph(
            "Business expenses are reimbursed through the expense tool. Claims must be submitted within 30 days of the expense with the receipts attached; claims older than 90 days are not reimbursed. Travel is booked through the company travel desk, and the per diem and mileage rates are published by Finance in a separate table."
          )
        ].join(""),
        {title: "Acme Logistics Employee Handbook"}
      )
  },
  {
    name: "globex-staff-guide.odt",
    documents: 1,
    build: () =>
      makeOdt(
        [
          odtHeading("Globex Corporation - Staff Guide"),
          odtParagraph(
            "This guide summarises the rules that apply to all Globex employees in Europe. Where a local works agreement says otherwise, the local agreement applies."
          ),
          odtHeading("Sick leave", 2),
          odtParagraph(
            "Globex employees are entitled to twelve days of paid sick leave per year. If you are ill, call your manager before 9:00 on the first day of absence. A doctor's certificate is required from the fourth consecutive day of illness. Sick days do not roll over into the next year, and unused sick days are not paid out when you leave the company."
          ),
          odtHeading("Vacation", 2),
          odtParagraph(
            "Every employee receives 22 vacation days per year plus the public holidays of the site they work at. Vacation is planned in the team calendar. Unused vacation cannot be carried over: any balance left on 31 December expires. In exceptional cases the site director may grant an extension of up to one month."
          ),
          odtHeading("Parental leave", 2),
          odtParagraph(
            "Primary caregivers receive 20 weeks of parental leave at full pay, secondary caregivers six weeks. The leave can be taken in up to three blocks within the first eighteen months after the birth or adoption. Please inform HR at least eight weeks before the planned start."
          ),
          odtHeading("Working from home", 2),
          odtParagraph(
            "Globex is an office-first company. Working from home is possible on Fridays for roles that do not require presence on site; team leads may allow more in individual cases, for a limited period."
          )
        ].join(""),
        {title: "Globex Staff Guide"}
      )
  },
  {
    name: "billing-db-runbook.md",
    documents: 1,
    build: () => `# Runbook: billing database (pg-billing)

The billing database is a three-node PostgreSQL 15 cluster managed by Patroni. It stores invoices, payment records and customer credit balances, so its recovery point objective is five minutes and its recovery time objective is one hour.

## Backups

A full base backup is taken every night at 01:30 UTC with pgBackRest and written to the \`s3://acme-db-backups/pg-billing\` bucket in the Frankfurt region. Between full backups, write-ahead log segments are archived continuously, at the latest every five minutes, which is what makes point-in-time recovery possible.

Backups are retained for 35 days. After that pgBackRest expires them automatically; the yearly snapshots the auditors require are copied to cold storage by a separate job on 1 January.

## Restore tests

On the first Monday of every month the on-call engineer restores the latest backup to the staging cluster and runs the reconciliation report against it. The result is posted in the #db-ops channel. A failed restore test is a priority-one incident.

## Failover

Patroni promotes a replica automatically when the leader has been unreachable for 30 seconds. After a failover, check the replication lag with \`patronictl list\` and make sure the old leader rejoins as a replica before closing the incident.

## Contacts

Primary owner: the Data Platform team. Escalation: the database on-call rotation in PagerDuty, then the head of infrastructure.
`
  },
  {
    name: "file-server-backup.txt",
    documents: 1,
    build: () => `FILE SERVER FS01 - BACKUP AND RETENTION POLICY

The departmental file server FS01 (Windows Server 2022, 40 TB of shares for Finance, Legal and Engineering) is backed up with Veeam to an LTO-8 tape library in the basement server room.

Schedule
A full backup runs every Saturday starting at 22:00 and usually finishes on Sunday morning. Incremental backups run Monday to Friday at 20:00. The shares are also snapshotted hourly during office hours, so users can restore their own files from "Previous Versions" for the last 14 days without opening a ticket.

Offsite storage and retention
Every Monday the tapes from the weekend's full backup are collected by courier and stored offsite in the Iron Mountain vault in Neuss. Monthly tapes are kept for seven years to meet the legal department's retention requirements; weekly tapes are recycled after three months.

Restores
To restore older files, open a ticket with the service desk naming the share, the path and the date. Restores from offsite tapes take two working days, because the tape has to be recalled from the vault first.
`
  },
  {
    name: "sourdough-loaf.html",
    documents: 1,
    build: () => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Country Sourdough Loaf | The Weekend Baker</title></head>
<body>
<nav><a href="/">Home</a> <a href="/recipes">Recipes</a> <a href="/about">About</a></nav>
<article>
<h1>Country Sourdough Loaf</h1>
<p>This is the everyday loaf we bake every Saturday: a crackly crust, an open crumb and a mild tang. It takes about 24 hours from start to finish, but most of that is waiting.</p>
<h2>Ingredients</h2>
<ul><li>450 g bread flour</li><li>50 g whole wheat flour</li><li>375 g water (75% hydration)</li><li>100 g active levain</li><li>10 g salt</li></ul>
<h2>Method</h2>
<p>Mix the flours with 350 g of the water and leave for an hour (autolyse). Add the levain, the salt and the remaining water, squeezing the dough through your fingers until it comes together.</p>
<p>Bulk fermentation takes four to five hours at 24 &deg;C. During the first two hours, do a set of stretch and folds every 30 minutes. The dough is ready when it has grown by about half and shows bubbles along the sides of the container.</p>
<p>Shape it into a boule, place it seam side up in a floured banneton and let it rest in the fridge overnight, 12 to 16 hours. The cold retard develops flavour and makes scoring easier.</p>
<h2>Baking</h2>
<p>Put a Dutch oven in the oven and preheat to 250 &deg;C (480 &deg;F) for 45 minutes. Turn the cold dough out onto parchment, score it with a razor blade and lower it into the hot pot. Bake covered for 20 minutes, then remove the lid, lower the heat to 230 &deg;C and bake another 25 minutes until deeply browned. The inside should read 96 &deg;C on a probe thermometer.</p>
<p>Let the loaf cool on a rack for at least an hour before cutting: the crumb is still setting.</p>
</article>
<footer>&copy; 2024 The Weekend Baker. All recipes tested in a home oven.</footer>
</body></html>
`
  },
  {
    name: "quick-breads.epub",
    documents: 1,
    build: () =>
      makeEpub({
        title: "Quick Breads at Home",
        spine: ["banana", "cornbread", "soda"],
        chapters: [
          {
            id: "banana",
            title: "Banana Bread",
            paragraphs: [
              "This is the loaf to make when the bananas on the counter have gone black. The riper they are, the sweeter and moister the bread.",
              "You need three very ripe bananas, 80 g of melted butter, 150 g of brown sugar, one egg, a teaspoon of baking soda, a pinch of salt and 190 g of plain flour.",
              "Mash the bananas with a fork, stir in the butter, then the sugar, the egg and the soda. Fold in the flour until no dry streaks remain, and scrape the batter into a greased 23 x 13 cm loaf tin.",
              "Bake at 175 °C for 60 to 65 minutes, until a skewer pushed into the middle comes out clean. If the top browns too quickly, cover it loosely with foil after 40 minutes.",
              "Cool it for ten minutes in the tin before turning it out. Wrapped, it keeps for three days; sliced, it freezes well for up to three months."
            ]
          },
          {
            id: "cornbread",
            title: "Skillet Cornbread",
            paragraphs: [
              "Cornbread baked in cast iron gets a crisp, buttery edge that no cake tin can give it.",
              "Put a 25 cm cast-iron skillet with a tablespoon of butter into the oven and heat both to 220 °C. Meanwhile whisk 150 g of cornmeal, 120 g of flour, two teaspoons of baking powder and a little salt, then add 300 ml of buttermilk, two eggs and 60 g of melted butter.",
              "Pour the batter into the sizzling skillet and bake for 20 to 25 minutes, until the top is golden and springs back when pressed. Serve warm, with honey butter or next to a bowl of chili."
            ]
          },
          {
            id: "soda",
            title: "Irish Soda Bread",
            paragraphs: [
              "Soda bread needs no yeast and no rising time: the buttermilk reacts with the bicarbonate of soda as soon as they meet, so work quickly.",
              "Mix 500 g of plain flour, a teaspoon of bicarbonate of soda and a teaspoon of salt, pour in 400 ml of buttermilk and bring it together into a rough round. Cut a deep cross on top to let the fairies out.",
              "Bake at 200 °C for about 40 minutes. The loaf is done when it sounds hollow when you tap the bottom."
            ]
          }
        ]
      })
  },
  {
    name: "zephyr-v8-manual.pdf",
    documents: 1,
    build: () =>
      pdfOfParagraphs(
        [
          "Zephyr V8 Cordless Stick Vacuum - Owner's Manual. Read these instructions before first use and keep them for future reference.",
          "Charging: before first use, charge the battery fully. A full charge takes about 4.5 hours with the supplied wall charger. The LED on the handle blinks blue while charging and stays solid blue when the battery is full.",
          "Run time: up to 40 minutes in Eco mode, 25 minutes in Auto mode and 8 minutes in Boost mode with a non-motorised tool. Run time is shorter with the motorised floor head.",
          "Filter care: wash the pre-filter in cold water at least once a month and let it dry for 24 hours before refitting it. Never use detergent and never put the filter in the dishwasher.",
          "Warranty: Zephyr guarantees the V8 against defects in materials and workmanship for 2 years from the date of purchase. The battery is covered for 12 months. Register your vacuum online within 30 days of purchase to extend the motor warranty to 3 years.",
          "The warranty does not cover normal wear and tear, damage caused by misuse, blockages, or repairs carried out by anyone other than an authorised Zephyr service agent. Keep your receipt as proof of purchase.",
          "Troubleshooting: if the vacuum pulses on and off, there is a blockage. Check the wand, the floor head and the bin inlet. If the vacuum does not start, check that the battery is charged and clicked fully into place."
        ],
        "Zephyr V8 Owner's Manual"
      )
  },
  {
    name: "airpure-300-training.pptx",
    documents: 1,
    build: () =>
      makePptx([
        {title: "Zephyr AirPure 300 - Retail Staff Training", paragraphs: ["Product launch: September", "Audience: store staff and phone support"]},
        {
          title: "What it does",
          paragraphs: [
            "Three-stage filtration: pre-filter, activated carbon and a true HEPA H13 filter",
            "Clean air delivery rate (CADR) of 300 cubic metres per hour",
            "Suitable for rooms up to 40 square metres",
            "Whisper mode at 24 dB for bedrooms"
          ]
        },
        {
          title: "Filters",
          paragraphs: [
            "The HEPA filter lasts about six months in normal use",
            "The filter indicator turns red when a replacement is due",
            "Replacement filter pack: article number AP3-F2, 39.99 EUR"
          ]
        },
        {
          title: "Warranty and returns",
          paragraphs: [
            "Motor: 5-year warranty",
            "Electronics and fan: 2 years",
            "Filters are consumables and are not covered by the warranty",
            "30-day money-back guarantee when bought in our stores"
          ],
          notes: "Customers often ask whether a clogged filter is a warranty case. It is not: point them to the filter subscription instead."
        },
        {
          title: "Common questions",
          paragraphs: ["Can it run all night? Yes: in whisper mode it uses 6 W.", "Does it produce ozone? No, there is no ioniser."]
        }
      ])
  },
  {
    name: "merignac-history.txt",
    documents: 1,
    build: () => `A Short History of Mérignac-sur-Lys

Mérignac-sur-Lys is a small market town on the river Lys, about forty kilometres upstream from Ghent. Its old centre, with a cobbled square and a brick belfry, is a protected heritage site.

Foundation
The town was founded in 1287, when Count Guy of Dampierre granted a charter to a community of Flemish cloth merchants who had settled at the ford. The charter allowed them to hold a weekly market and to collect a toll on boats passing under the bridge. For two centuries the town prospered from weaving and dyeing wool imported from England.

The belfry
The belfry on the Grand-Place was built between 1411 and 1434 and kept the town's charters and its alarm bell. Its carillon of 49 bells is played every Sunday at 11:00 by the municipal carillonneur, and on summer evenings during the Lys festival.

Decline and recovery
The wars of religion and the closing of the river to shipping in the sixteenth century ruined the cloth trade. The town recovered in the nineteenth century thanks to flax retting, and the old linen mills now house the Musée du Lin, a museum of flax and linen. The hôtel de ville, rebuilt after a fire, dates from 1602.

Mérignac-sur-Lys today
About 18,400 people live in the town. It is twinned with Kirchdorf an der Lauter and is known for its Easter market and its pale ale brewed by the Trappist-style brewery Saint-Rombaut.
`
  },
  {
    name: "castelbrun-guide.html",
    documents: 1,
    build: () => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Castelbrun - A Visitor's Guide</title></head>
<body>
<header><a href="/">Travel Notes</a> &rsaquo; <a href="/france">France</a></header>
<main>
<h1>Castelbrun: a visitor's guide</h1>
<p>Castelbrun sits on a rocky spur above the valley, and its ramparts are still almost complete. The town was founded in 1342 as a garrison around the fortress that Duke Aymon II built to guard the pass, and it received its town charter in 1360.</p>
<h2>What to see</h2>
<p>The Cathedral of Saint-Étienne was begun in 1398 and finished in 1520; its spire is 87 metres tall and can be climbed on weekend afternoons. The ducal fortress houses a museum of arms and armour, open daily except Tuesdays.</p>
<p>The market on the Place du Marché has been held every Thursday morning since the Middle Ages. Look for walnut oil, goat cheese and the local honey.</p>
<h2>Getting there</h2>
<p>Regional trains run from Lyon Part-Dieu every hour; the journey takes 55 minutes. From the station, a shuttle bus climbs to the old town every 20 minutes. Parking inside the walls is reserved for residents.</p>
<h2>When to go</h2>
<p>The Fête des Remparts, a medieval festival with re-enactments and a night market, takes place on the first weekend of August. Castelbrun has about 42,000 inhabitants, but in August the old town is crowded, so book early.</p>
</main>
<footer>Travel Notes &middot; Updated March 2024</footer>
</body></html>
`
  },
  {
    name: "vpn-maintenance.eml",
    documents: 1,
    build: () =>
      [
        "From: IT Service Desk <servicedesk@acme.example>",
        "To: All staff <all-staff@acme.example>",
        "Subject: Planned maintenance: VPN unavailable on Saturday night",
        "Date: Mon, 9 Jun 2025 09:12:00 +0200",
        "Message-ID: <vpn-2025-06@acme.example>",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: 8bit",
        "",
        "Hello everyone,",
        "",
        "To upgrade the firmware of our VPN gateways, remote access will be unavailable from Saturday 14 June, 22:00, until Sunday 15 June, 02:00 (CEST). Colleagues working in the office are not affected; connections from home or while travelling will be dropped at 22:00 and cannot be re-established during the window.",
        "",
        "After the upgrade you will need FortiClient version 7.2 or later. Older clients will be refused by the gateway. Company laptops are updated automatically through Software Center on Friday; if you use a personal device, download the new client from the IT portal.",
        "",
        "Please also note that from 1 July, signing in to the VPN will require multi-factor authentication with the Microsoft Authenticator app. SMS codes will no longer be accepted. Instructions for enrolling are on the IT portal under Security.",
        "",
        "If you are on call that weekend, contact the service desk before Friday so that we can arrange an emergency access path.",
        "",
        "Kind regards,",
        "IT Service Desk",
        ""
      ].join("\r\n")
  },
  {
    name: "guest-wifi.eml",
    documents: 1,
    build: () =>
      [
        "From: Facilities Management <facilities@acme.example>",
        "To: All staff <all-staff@acme.example>",
        "Subject: Guest Wi-Fi: new password rules and a short outage",
        "Date: Tue, 3 Jun 2025 14:40:00 +0200",
        "Message-ID: <wifi-2025-06@acme.example>",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "",
        "Dear colleagues,",
        "",
        "Starting in June, the password of the guest wireless network Acme-Guest will change on the first working day of every month. Visitors can get the current password from the reception desk, where it is printed on a card; please do not send it by e-mail or post it in chat channels.",
        "",
        "The staff network Acme-Corp is not affected by this change and still uses your normal login.",
        "",
        "On Friday 13 June from 18:00 to 20:00 the access points on floors 2 and 3 will be replaced, so there will be no Wi-Fi on those floors during that time. Wired connections in the meeting rooms keep working.",
        "",
        "Thank you for your understanding,",
        "Facilities Management",
        ""
      ].join("\r\n")
  },
  {
    name: "q3-sales-review.pptx",
    documents: 1,
    build: () =>
      makePptx([
        {title: "Q3 2024 Sales Review", paragraphs: ["Sales leadership meeting, 8 October 2024"]},
        {
          title: "Headline numbers",
          paragraphs: ["Revenue: 4.2 million EUR, up 12% on Q3 2023", "Gross margin: 38%", "New customers: 214", "Customer churn: 3.1%"]
        },
        {
          title: "Regions",
          paragraphs: [
            "Nordics grew fastest: +31% year on year",
            "DACH flat at +2%",
            "UK down 5% after losing the retail chain contract",
            "Southern Europe +14%"
          ]
        },
        {
          title: "Products",
          paragraphs: ["Zephyr V8 vacuum is the best seller with 41% of unit sales", "AirPure 300 launched late in the quarter: 1,900 units"]
        },
        {
          title: "Q4 outlook",
          paragraphs: ["Target: 5.0 million EUR revenue", "Hire two account managers for the Nordics", "Close the UK distributor gap by December"],
          notes: "Remind the team that the Q4 target includes the Black Friday promotions."
        }
      ])
  },
  {
    name: "q4-marketing-plan.docx",
    documents: 1,
    build: () =>
      makeDocx(
        [
          docxParagraph("Marketing Plan Q4 2024", "Heading1"),
          docxParagraph("Budget", "Heading2"),
          docxParagraph(
            "The marketing budget for the fourth quarter is 300,000 EUR. Of this, 45% goes to digital advertising (search and social), 30% to the Hamburg trade fair and 25% to content and PR. Unspent money does not carry over into next year's budget."
          ),
          docxParagraph("Trade fair", "Heading2"),
          docxParagraph(
            "We will exhibit at the Home & Living fair in Hamburg from 12 to 15 November, stand B41 in hall 3. The stand shows the AirPure 300 and the Zephyr V8; staff from the Nordic and DACH sales teams will attend, and demo units are shipped from the warehouse on 5 November."
          ),
          docxParagraph("Goals", "Heading2"),
          docxParagraph(
            "Generate 1,200 qualified leads, grow newsletter subscribers from 18,000 to 25,000, and raise brand awareness in the Nordics, where sales grew fastest in the third quarter."
          ),
          docxParagraph("Black Friday", "Heading2"),
          docxParagraph(
            "Discounts of up to 25% on the V8 from 29 November to 2 December. There are no discounts on the AirPure, which is still new; bundles with a spare filter are offered instead."
          )
        ].join(""),
        {title: "Marketing Plan Q4 2024"}
      )
  },
  {
    name: "fleet-maintenance.xlsx",
    documents: 1,
    build: () =>
      makeXlsx([
        {
          name: "Service intervals",
          rows: [
            ["Vehicle", "Registration", "Oil change", "Brake inspection", "Tyres"],
            ["Ford Transit van", "B-AL 2041", "every 15,000 km", "every 30,000 km", "rotate every 10,000 km"],
            ["Toyota Corolla pool car", "B-AL 1187", "every 10,000 km or yearly", "every 20,000 km", "winter tyres from October to Easter"],
            ["Linde forklift", null, "every 500 operating hours", "every 1,000 operating hours", "check the solid tyres monthly"],
            ["Electric cargo bike", null, "not applicable", "every 3 months", "check the pressure weekly"]
          ]
        },
        {
          name: "Garages",
          rows: [
            ["Vehicle", "Garage", "Phone"],
            ["Ford Transit van", "Autohaus Kramer, Spandau", "030 555 0192"],
            ["Toyota Corolla pool car", "Toyota Nord", "030 555 0417"],
            ["Linde forklift", "Linde service (contract 88-1043)", "0800 555 0100"]
          ]
        }
      ])
  },
  {
    name: "travel-expenses.xlsx",
    documents: 1,
    build: () =>
      makeXlsx([
        {
          name: "Per diem",
          rows: [
            ["Destination", "Meals per day", "Hotel cap per night"],
            ["Berlin", "28 EUR", "120 EUR"],
            ["Hamburg", "28 EUR", "130 EUR"],
            ["London", "45 GBP", "180 GBP"],
            ["Paris", "40 EUR", "160 EUR"],
            ["New York", "70 USD", "250 USD"]
          ]
        },
        {
          name: "Mileage",
          rows: [
            ["Means of transport", "Rate"],
            ["Private car, per km", "0.30 EUR"],
            ["Each passenger, per km", "0.02 EUR"],
            ["Motorcycle, per km", "0.20 EUR"],
            ["Train", "2nd class; 1st class for journeys over 4 hours"]
          ]
        },
        {
          name: "Rules",
          rows: [
            ["Flights are booked through the travel desk only."],
            ["Economy class for flights under 6 hours, premium economy above."],
            ["Meals paid by a customer or included in the hotel rate reduce the daily allowance."]
          ]
        }
      ])
  },
  {
    name: "kestrel-k4.json",
    documents: 1,
    build: () =>
      JSON.stringify(
        {
          model: "Kestrel K4",
          manufacturer: "Aerolite Systems",
          category: "survey quadcopter",
          max_flight_time_minutes: 38,
          max_range_km: 12,
          max_wind_resistance_kmh: 43,
          weight_g: 1390,
          camera: {sensor: "1-inch CMOS", resolution: "20 MP", video: "5.1K at 50 fps"},
          batteries: {capacity_mah: 5000, charging_time_minutes: 70, rated_cycles: 400},
          description:
            "The Kestrel K4 is a foldable survey drone for construction sites and agriculture. Its RTK module gives centimetre-level positioning without ground control points, and its hot-swappable batteries let crews change packs without rebooting. The K4 replaces the K3, adding obstacle sensing on all six sides and a longer flight time.",
          regulation: "EU class C2: operators need an A2 certificate of competency to fly it close to uninvolved people."
        },
        null,
        2
      )
  },
  {
    name: "drone-fleet.jsonl",
    documents: 3,
    build: () =>
      [
        {
          model: "Osprey O2",
          type: "inspection quadcopter",
          flight_time_minutes: 25,
          range_km: 5,
          notes: "Caged frame for flying inside tanks, chimneys and boilers; a thermal camera is optional."
        },
        {
          model: "Harrier H1",
          type: "fixed-wing mapping drone",
          flight_time_minutes: 55,
          range_km: 30,
          notes: "Thrown by hand to launch and lands on its belly, so it needs a clear strip of about 50 metres."
        },
        {
          model: "Kestrel K3",
          type: "survey quadcopter",
          flight_time_minutes: 31,
          range_km: 8,
          notes: "Previous generation, retired from the rental fleet in 2024; spare batteries are still in stock."
        }
      ]
        .map((line) => JSON.stringify(line))
        .join("\n") + "\n"
  },
  {
    name: "library-branches.csv",
    documents: 4,
    build: () =>
      [
        ["branch", "address", "weekdays", "saturday", "sunday", "services"],
        ["Central Library", "1 Market Square", "9:00-20:00", "10:00-18:00", "closed", "Largest collection; study rooms can be booked online; café on the ground floor"],
        ["Riverside", "48 Quay Street", "10:00-19:00", "10:00-16:00", "12:00-16:00", "Makerspace with 3D printers and a sewing machine; children's story time on Wednesdays"],
        ["Hillcrest", "7 Orchard Lane", "13:00-19:00", "closed", "closed", "Small branch; a returns box is available around the clock"],
        ["Old Town", "22 Chapel Row", "10:00-17:00", "10:00-13:00", "closed", "Local history archive; visits to the archive by appointment only"]
      ]
        .map((row) => row.map(csvCell).join(","))
        .join("\n") + "\n"
  },
  {
    name: "annual-gala-shanghai.txt",
    documents: 1,
    build: () => `关于2024年公司年会的通知

各位同事：

2024年公司年会将于12月20日（星期五）晚上6点在上海浦东香格里拉大酒店举行。请各部门于12月6日前将参会人数报给行政部。

年会当天下午4点，公司将安排大巴从公司总部出发前往酒店。晚会结束后，大巴将于晚上10点送大家返回总部。

年会的着装要求为商务休闲。每个部门需要准备一个节目，节目时长不超过五分钟。

年会设有抽奖环节，一等奖为两张往返东京的机票，二等奖为最新款平板电脑。

如有问题，请联系行政部王小姐，分机号8021。

行政部
2024年11月15日
`
  },
  {
    name: "team-outing-hangzhou.md",
    documents: 1,
    build: () => `# 研发部秋季团建活动安排

本次团建活动将于10月18日至19日在杭州举行，地点为西湖附近的湖畔度假酒店。

## 行程

第一天上午9点在公司门口集合，乘坐高铁前往杭州，约一小时到达。下午进行团队拓展训练，晚上在酒店举行烧烤晚会。

第二天上午自由活动，可以游览西湖或参观龙井村茶园，下午3点乘高铁返回上海。

## 费用

交通、住宿和餐饮费用由公司承担。如需携带家属，每位家属需自付800元。

## 报名

请在10月8日前通过内部系统报名。联系人：研发部李先生。
`
  },
  {
    name: "calmorin-leaflet.txt",
    documents: 1,
    build: () => `PACKAGE LEAFLET: INFORMATION FOR THE USER

Calmorin 200 mg film-coated tablets
Active substance: ibuprofen

Read all of this leaflet carefully before you start taking this medicine, because it contains important information for you. Keep this leaflet; you may need to read it again.

1. What Calmorin is and what it is used for
Calmorin belongs to a group of medicines called non-steroidal anti-inflammatory drugs (NSAIDs). It is used for the short-term relief of mild to moderate pain such as headache, toothache and period pain, and to reduce fever.

2. How to take Calmorin
Adults and adolescents over 12 years: take one tablet with water, preferably with or after food. If needed, take another tablet after 6 to 8 hours. Do not take more than three tablets (600 mg) in 24 hours. Do not take Calmorin for more than 3 days for fever or 4 days for pain without talking to your doctor.
Calmorin is not suitable for children under 12 years.

3. Do not take Calmorin if you are allergic to ibuprofen or aspirin, if you have or have had a stomach ulcer, or if you are in the last three months of pregnancy.

4. Possible side effects
Like all medicines, Calmorin can cause side effects. Common: heartburn, nausea, diarrhoea. Stop taking it and see a doctor at once if you vomit blood or notice black, tarry stools.

5. How to store Calmorin
Store below 25 °C in the original package. Do not use after the expiry date stated on the carton.
`
  },
  {
    name: "dolorex-junior.pdf",
    documents: 1,
    build: () =>
      pdfOfParagraphs(
        [
          "Dolorex Junior oral syrup for children, strawberry flavour. Relieves fever and pain from teething, colds and vaccinations.",
          "Dosage: children aged 6 to 12 years take 5 ml every 8 hours, no more than 4 doses in 24 hours. Use the measuring syringe supplied in the pack.",
          "Children under 6 years must not be given Dolorex Junior unless a doctor has prescribed it. Never give it to babies under 3 months.",
          "Shake the bottle well before use. After opening, the syrup keeps for 6 months. Store below 30 degrees and do not refrigerate.",
          "See a doctor if the fever lasts longer than 3 days or if your child develops a rash or has difficulty breathing."
        ],
        "Dolorex Junior"
      )
  },
  {
    name: "harbor-cli-3.4.md",
    documents: 1,
    build: () => `# Harbor CLI 3.4.0 release notes

Released 2 September 2024.

## Breaking changes

- Python 3.7 is no longer supported. Harbor now requires Python 3.8 or newer; installing on 3.7 fails with a clear error instead of a traceback at runtime.
- The default request timeout went up from 30 to 120 seconds, because large deployments regularly hit the old limit. Set \`HARBOR_TIMEOUT=30\` to keep the old value.

## New features

- \`harbor deploy --dry-run\` prints the plan of changes without applying them.
- \`harbor status\` shows the image digest of every running service.
- Shell completion for fish.

## Fixes

- Proxies configured through \`HTTPS_PROXY\` are now honoured on Windows.
- \`harbor login\` no longer stores the token in plain text on macOS; it uses the keychain.

## Upgrading

Run \`pip install --upgrade harbor-cli\`. Configuration files written for 3.x are compatible.
`
  },
  {
    name: "harbor-cli-3.3.md",
    documents: 1,
    build: () => `# Harbor CLI 3.3.0 release notes

Released 10 June 2024.

## Deprecations

- Support for Python 3.7 is deprecated and will be removed in a future release. A warning is printed at startup.
- The \`--legacy-auth\` flag is deprecated; use API tokens instead (\`harbor login --token\`).

## New features

- \`harbor logs --follow\` streams the logs of a service until you press Ctrl-C.
- \`harbor rollback\` returns a service to its previous release.
- Configuration files can include other files with \`include:\`.

## Fixes

- Fixed a crash when a service name contained a dot.
- The request timeout of 30 seconds now also applies to uploads.
`
  }
];

/**
 * Questions as a user would type them: paraphrased (synonyms, other word forms), with stop words, punctuation, a
 * question mark, lower case, an accent and its absence, and Chinese questions for the Chinese notices.
 */
export const QUESTIONS: readonly RetrievalQuestion[] = [
  {question: "How many unused vacation days can I carry over to next year at Acme?", expected: "acme-employee-handbook.docx"},
  {question: "Do Acme employees get additional leave after ten years of service?", expected: "acme-employee-handbook.docx"},
  {question: "How many days a week can I work from home at Acme?", expected: "acme-employee-handbook.docx"},
  {question: "how many paid sick days do Globex employees get per year", expected: "globex-staff-guide.odt"},
  {question: "How long is parental leave for the primary caregiver at Globex?", expected: "globex-staff-guide.odt"},
  {question: "When does the nightly backup of the billing Postgres database run?", expected: "billing-db-runbook.md"},
  {question: "For how many days are the billing database backups retained?", expected: "billing-db-runbook.md"},
  {question: "How often do we test restoring the billing DB?", expected: "billing-db-runbook.md"},
  {question: "How long are the monthly tapes of the file server kept?", expected: "file-server-backup.txt"},
  {question: "Where are the file server's backup tapes stored offsite?", expected: "file-server-backup.txt"},
  {question: "What oven temperature do I need for the sourdough loaf?", expected: "sourdough-loaf.html"},
  {question: "How long should the sourdough ferment in bulk?", expected: "sourdough-loaf.html"},
  {question: "How long does banana bread need to bake?", expected: "quick-breads.epub"},
  {question: "What temperature for cornbread in a cast iron skillet?", expected: "quick-breads.epub"},
  {question: "How long does it take to fully charge the Zephyr V8's battery?", expected: "zephyr-v8-manual.pdf"},
  {question: "What is the warranty period on the Zephyr V8 vacuum?", expected: "zephyr-v8-manual.pdf"},
  {question: "Is the HEPA filter covered by the AirPure 300 warranty?", expected: "airpure-300-training.pptx"},
  {question: "What size of room is the AirPure 300 suitable for?", expected: "airpure-300-training.pptx"},
  {question: "In what year was Mérignac-sur-Lys founded?", expected: "merignac-history.txt"},
  {question: "when do they play the carillon in Merignac", expected: "merignac-history.txt"},
  {question: "When was Castelbrun's cathedral completed?", expected: "castelbrun-guide.html"},
  {question: "How long is the train ride from Lyon to Castelbrun?", expected: "castelbrun-guide.html"},
  {question: "When will the VPN be down for maintenance?", expected: "vpn-maintenance.eml"},
  {question: "Which FortiClient version do I need after the VPN upgrade?", expected: "vpn-maintenance.eml"},
  {question: "Where can visitors get the password for the guest Wi-Fi?", expected: "guest-wifi.eml"},
  {question: "What was our revenue in Q3 2024?", expected: "q3-sales-review.pptx"},
  {question: "Which region had the fastest sales growth in Q3?", expected: "q3-sales-review.pptx"},
  {question: "How big is the marketing budget for Q4?", expected: "q4-marketing-plan.docx"},
  {question: "When and where is the trade fair we are exhibiting at?", expected: "q4-marketing-plan.docx"},
  {question: "How often does the Ford Transit need an oil change?", expected: "fleet-maintenance.xlsx"},
  {question: "What's the most I can spend on a hotel per night in London?", expected: "travel-expenses.xlsx"},
  {question: "What is the mileage allowance for using my own car?", expected: "travel-expenses.xlsx"},
  {question: "How long can the Kestrel K4 stay in the air on one battery?", expected: "kestrel-k4.json"},
  {question: "What certificate do I need to fly the Kestrel K4 near people?", expected: "kestrel-k4.json"},
  {question: "What's the range of the Osprey drone?", expected: "drone-fleet.jsonl#line=1"},
  {question: "Which of our drones is launched by hand?", expected: "drone-fleet.jsonl#line=2"},
  {question: "Is the Hillcrest library open on Saturdays?", expected: "library-branches.csv#row=3"},
  {question: "Which library branch has 3D printers?", expected: "library-branches.csv#row=2"},
  {question: "年会在哪里举行？", expected: "annual-gala-shanghai.txt"},
  {question: "团建活动在哪个城市？", expected: "team-outing-hangzhou.md"},
  {question: "What is the maximum daily dose of Calmorin for adults?", expected: "calmorin-leaflet.txt"},
  {question: "Can a 4-year-old take Dolorex syrup?", expected: "dolorex-junior.pdf"},
  {question: "Which Harbor CLI release dropped support for Python 3.7?", expected: "harbor-cli-3.4.md"},
  {question: "What's the new default timeout in Harbor 3.4?", expected: "harbor-cli-3.4.md"},
  {question: "How do I follow a service's logs in Harbor?", expected: "harbor-cli-3.3.md"}
];
