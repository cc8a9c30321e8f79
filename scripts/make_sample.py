#!/usr/bin/env python3
"""Generate the legalsearch sample dataset (BEIR layout) under ``legalsearch/sample/``.

All texts below were written for this project. Statute entries that name real
provisions are short paraphrases in our own words, not quotations; parties in
contract clauses, amendments and most case summaries are fictional. Nothing in
the output is legal advice.

The generator is deterministic: the same source always yields byte-identical
files (fixed seed, stable ordering). Run it from the repository root::

    python scripts/make_sample.py            # writes legalsearch/sample/
    python scripts/make_sample.py --check    # regenerate in memory and verify the files match

Every document is first registered under a readable *key* (``"indem-ip-uncapped"``);
queries name the keys they are judged against, and the keys are mapped to the
public ids (``clause-indem-003``) at the end, so qrels never point at a missing id.
"""
from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path

# Long lines below are hand-written legal text and query tables.
# ruff: noqa: E501

SEED = 20261126
OUT = Path(__file__).resolve().parent.parent / "legalsearch" / "sample"

# --------------------------------------------------------------------------- #
# Building blocks
# --------------------------------------------------------------------------- #

PARTIES = [
    ("Northwind Analytics, Inc.", "Northwind"),
    ("Harbor Ridge Capital LLC", "Harbor Ridge"),
    ("Bellweather Health Systems, Inc.", "Bellweather"),
    ("Quillon Software Ltd.", "Quillon"),
    ("Pinecrest Logistics Corp.", "Pinecrest"),
    ("Meridian Grain Cooperative", "Meridian"),
    ("Okafor & Lindqvist Engineering, P.C.", "Okafor Engineering"),
    ("Tessaract Robotics, Inc.", "Tessaract"),
    ("Calloway Retail Group, LLC", "Calloway"),
    ("Silverline Payments, Inc.", "Silverline"),
    ("Brightwater Municipal Utility District", "Brightwater"),
    ("Ardent Biologics, Inc.", "Ardent"),
    ("Vantage Point Media Holdings, LLC", "Vantage Point"),
    ("Keystone Freight Partners, L.P.", "Keystone"),
    ("Lumen Cloud Services, Inc.", "Lumen"),
    ("Redfern Insurance Company", "Redfern"),
]

# Doc registry: key -> dict(kind, title, text, tags)
DOCS: dict[str, dict] = {}


def add(key: str, kind: str, title: str, text: str, sub: str = "") -> None:
    """Register one document under ``key``; ``kind`` drives the public id prefix."""
    if key in DOCS:
        raise ValueError(f"duplicate document key {key!r}")
    DOCS[key] = {"kind": kind, "sub": sub, "title": title, "text": " ".join(text.split())}


# --------------------------------------------------------------------------- #
# (a) Statutes and rules: paraphrases of real provisions, and fictional acts
# --------------------------------------------------------------------------- #

REAL_STATUTES = [
    ("s-1983", "42 U.S.C. § 1983 — Civil action for deprivation of rights (summary)",
     """Summary: Section 1983 gives a private right of action against any person who, acting under color of
     state law, custom or usage, deprives another of rights secured by the federal Constitution or federal law.
     The statute creates no substantive rights of its own; it is a vehicle for enforcing rights found elsewhere.
     Plaintiffs must show (1) conduct by a state actor and (2) a resulting deprivation of a federal right.
     Municipalities may be sued, but not on a respondeat superior theory; liability requires an official policy
     or custom. Individual officers may raise qualified immunity. Injunctive relief against judicial officers is
     limited unless a declaratory decree was violated or declaratory relief was unavailable."""),
    ("s-1988", "42 U.S.C. § 1988(b) — Attorney's fees in civil rights actions (summary)",
     """Summary: In an action to enforce section 1983 and certain other civil rights statutes, the court has
     discretion to award the prevailing party a reasonable attorney's fee as part of costs. Prevailing plaintiffs
     ordinarily recover fees absent special circumstances; prevailing defendants recover only where the claim was
     frivolous, unreasonable or without foundation. The fee is typically computed by the lodestar method:
     reasonable hours multiplied by a reasonable hourly rate."""),
    ("s-10b", "15 U.S.C. § 78j(b) and Rule 10b-5 — Securities fraud (summary)",
     """Summary: Section 10(b) of the Securities Exchange Act of 1934 makes it unlawful to use any manipulative or
     deceptive device in connection with the purchase or sale of a security in contravention of SEC rules. Rule
     10b-5, 17 C.F.R. § 240.10b-5, prohibits schemes to defraud, material misstatements or omissions, and
     fraudulent courses of business. A private plaintiff must plead and prove a material misrepresentation or
     omission, scienter, a connection with a purchase or sale, reliance, economic loss and loss causation. Only
     actual purchasers or sellers have standing to sue for damages."""),
    ("s-pslra", "15 U.S.C. § 78u-4(b) — PSLRA heightened pleading (summary)",
     """Summary: The Private Securities Litigation Reform Act requires a securities fraud complaint to specify each
     statement alleged to be misleading and the reasons why, and, for allegations made on information and belief,
     to state with particularity all facts on which the belief is formed. The complaint must also state with
     particularity facts giving rise to a strong inference that the defendant acted with the required state of
     mind. Discovery is stayed while a motion to dismiss is pending, and a safe harbor protects forward-looking
     statements accompanied by meaningful cautionary language."""),
    ("s-1933-11", "15 U.S.C. § 77k — Section 11 registration statement liability (summary)",
     """Summary: If any part of an effective registration statement contains an untrue statement of a material
     fact or omits a material fact required to be stated, any person acquiring the security may sue the issuer,
     its directors, the signing officers, underwriters and named experts. The issuer is strictly liable; other
     defendants may avoid liability by establishing a due diligence defense. Scienter and reliance are generally
     not elements of the claim, and damages are measured by a statutory formula tied to the offering price."""),
    ("s-frcp12b6", "Fed. R. Civ. P. 12(b)(6) — Failure to state a claim (summary)",
     """Summary: Rule 12(b) lists defenses that may be raised by motion before a responsive pleading, including
     failure to state a claim upon which relief can be granted. On a 12(b)(6) motion the court accepts well-pleaded
     factual allegations as true and asks whether they plausibly entitle the plaintiff to relief; legal conclusions
     are not accepted. If matters outside the pleadings are presented and not excluded, the motion must be treated
     as one for summary judgment under Rule 56 and all parties given a reasonable opportunity to present material."""),
    ("s-frcp12b2", "Fed. R. Civ. P. 12(b)(2), (b)(3) and 12(h) — Personal jurisdiction, venue and waiver (summary)",
     """Summary: Lack of personal jurisdiction and improper venue may be raised by pre-answer motion. Unlike subject
     matter jurisdiction, these defenses are waived if a party omits them from a Rule 12 motion that it does make,
     or fails to include them in its responsive pleading or an amendment allowed as of course. Lack of subject
     matter jurisdiction, by contrast, may be raised at any time and requires dismissal whenever it appears."""),
    ("s-frcp56", "Fed. R. Civ. P. 56 — Summary judgment (summary)",
     """Summary: A party may move for summary judgment on all or part of a claim or defense. The court shall grant
     it if the movant shows there is no genuine dispute as to any material fact and the movant is entitled to
     judgment as a matter of law. Factual positions must be supported by citation to materials in the record such
     as depositions, documents, declarations or admissions. Under subdivision (d), a nonmovant who shows by
     declaration that it cannot yet present essential facts may obtain deferral to take discovery."""),
    ("s-frcp23", "Fed. R. Civ. P. 23(a) and (b)(3) — Class actions (summary)",
     """Summary: A class may be certified only if the class is so numerous that joinder is impracticable, there are
     common questions of law or fact, the representatives' claims are typical, and the representatives will
     fairly and adequately protect class interests. A damages class under (b)(3) additionally requires that common
     questions predominate over individual ones and that a class action be superior to other methods. Members of a
     (b)(3) class must receive the best notice practicable and may opt out."""),
    ("s-frcp26", "Fed. R. Civ. P. 26(b)(1) — Scope of discovery and proportionality (summary)",
     """Summary: Parties may obtain discovery of any nonprivileged matter relevant to a party's claim or defense and
     proportional to the needs of the case. Proportionality weighs the importance of the issues, the amount in
     controversy, relative access to information, the parties' resources, the importance of the discovery in
     resolving the issues, and whether the burden or expense outweighs the likely benefit. Information need not be
     admissible in evidence to be discoverable."""),
    ("s-frcp11", "Fed. R. Civ. P. 11(b)-(c) — Representations to the court and sanctions (summary)",
     """Summary: By signing or filing a paper, an attorney certifies after reasonable inquiry that it is not
     presented for an improper purpose, that its legal contentions are warranted by existing law or a nonfrivolous
     argument for changing it, and that factual contentions have or will likely have evidentiary support. A
     sanctions motion must be served but not filed until the 21-day safe harbor has passed without withdrawal or
     correction of the challenged paper."""),
    ("s-frcp15", "Fed. R. Civ. P. 15(a) and (c) — Amended pleadings and relation back (summary)",
     """Summary: A party may amend once as a matter of course within 21 days after serving a pleading or after
     service of a responsive pleading or Rule 12 motion; otherwise amendment requires consent or leave, which the
     court should freely give when justice so requires. An amendment relates back to the original filing date when
     it asserts a claim arising out of the same conduct, transaction or occurrence set out in the original
     pleading, which matters when the limitations period has since run."""),
    ("s-frcp65", "Fed. R. Civ. P. 65 — Injunctions and temporary restraining orders (summary)",
     """Summary: A preliminary injunction issues only on notice to the adverse party. A temporary restraining order
     may issue without notice only if specific facts show immediate and irreparable injury before the adverse party
     can be heard and counsel certifies efforts to give notice. An ex parte TRO expires after no more than 14 days
     unless extended for good cause. The movant must give security in an amount the court considers proper to pay
     costs and damages of a party found to have been wrongfully enjoined."""),
    ("s-1332", "28 U.S.C. § 1332 — Diversity jurisdiction (summary)",
     """Summary: Federal district courts have original jurisdiction over civil actions between citizens of different
     States, or between a citizen of a State and a citizen of a foreign state, where the amount in controversy
     exceeds $75,000, exclusive of interest and costs. Diversity must be complete: no plaintiff may share
     citizenship with any defendant. A corporation is a citizen of every State where it is incorporated and of the
     State where it has its principal place of business. Subsection (d), added by the Class Action Fairness Act,
     permits jurisdiction over class actions exceeding $5,000,000 with minimal diversity."""),
    ("s-1331", "28 U.S.C. § 1331 — Federal question jurisdiction (summary)",
     """Summary: District courts have original jurisdiction over all civil actions arising under the Constitution,
     laws or treaties of the United States. Under the well-pleaded complaint rule, the federal question must appear
     on the face of the plaintiff's properly pleaded complaint; an anticipated federal defense, including
     preemption, does not ordinarily make a case arise under federal law. There is no amount in controversy
     requirement."""),
    ("s-1441", "28 U.S.C. §§ 1441 and 1446 — Removal of civil actions (summary)",
     """Summary: A defendant may remove to federal court any civil action brought in state court over which the
     district courts would have had original jurisdiction. A case removable only on diversity grounds may not be
     removed if any properly joined and served defendant is a citizen of the forum State (the forum-defendant rule).
     The notice of removal must be filed within 30 days after the defendant receives the initial pleading, all
     properly served defendants must consent, and diversity cases generally may not be removed more than one year
     after commencement absent bad faith."""),
    ("s-1404", "28 U.S.C. § 1404(a) — Change of venue for convenience (summary)",
     """Summary: For the convenience of parties and witnesses and in the interest of justice, a district court may
     transfer a civil action to any other district where it might have been brought, or to any district to which all
     parties have consented. Courts balance private interests such as access to proof and witness availability
     against public interests such as court congestion and local interest. A valid forum-selection clause is given
     controlling weight in all but the most exceptional cases."""),
    ("s-1367", "28 U.S.C. § 1367 — Supplemental jurisdiction (summary)",
     """Summary: In any action within the court's original jurisdiction, the court also has jurisdiction over other
     claims so related that they form part of the same case or controversy, including claims joining additional
     parties. In diversity-only cases the court may not exercise supplemental jurisdiction over claims by plaintiffs
     against persons made parties under certain joinder rules where doing so would undermine complete diversity.
     The court may decline supplemental jurisdiction if it has dismissed all claims over which it had original
     jurisdiction, among other grounds."""),
    ("s-faa2", "9 U.S.C. § 2 — Validity of arbitration agreements (summary)",
     """Summary: A written arbitration provision in a contract evidencing a transaction involving commerce is valid,
     irrevocable and enforceable, save upon grounds that exist at law or in equity for the revocation of any
     contract. The savings clause preserves generally applicable contract defenses such as fraud, duress and
     unconscionability, but not defenses that apply only to arbitration or that derive their meaning from the fact
     that an agreement to arbitrate is at issue."""),
    ("s-sherman1", "15 U.S.C. § 1 — Sherman Act § 1, restraints of trade (summary)",
     """Summary: Every contract, combination or conspiracy in restraint of interstate or foreign trade is declared
     illegal. Courts read the prohibition to reach only unreasonable restraints. Horizontal price fixing, bid rigging
     and market allocation among competitors are per se unlawful; most other agreements, including many vertical
     restraints, are judged under the rule of reason, which weighs anticompetitive effects against procompetitive
     justifications. Violations are felonies and also support private treble damages actions."""),
    ("s-sherman2", "15 U.S.C. § 2 — Sherman Act § 2, monopolization (summary)",
     """Summary: It is unlawful to monopolize, attempt to monopolize, or conspire to monopolize any part of
     interstate or foreign commerce. Monopolization requires possession of monopoly power in a relevant market and
     its willful acquisition or maintenance, as distinguished from growth resulting from a superior product,
     business acumen or historic accident. Attempted monopolization requires anticompetitive conduct, specific intent
     to monopolize and a dangerous probability of achieving monopoly power."""),
    ("s-lanham43", "15 U.S.C. § 1125(a) — Lanham Act § 43(a), false designation and false advertising (summary)",
     """Summary: Any person who uses in commerce a word, name, symbol or false or misleading description or
     representation of fact that is likely to cause confusion as to affiliation, origin, sponsorship or approval, or
     that in commercial advertising misrepresents the nature, characteristics or qualities of goods or services, is
     liable to a person who believes it is likely to be damaged. The provision protects unregistered trademarks and
     trade dress and supports false advertising claims by commercial competitors."""),
    ("s-fairuse", "17 U.S.C. § 107 — Fair use of copyrighted works (summary)",
     """Summary: Fair use of a copyrighted work for purposes such as criticism, comment, news reporting, teaching,
     scholarship or research is not infringement. Courts weigh four factors: the purpose and character of the use,
     including whether it is commercial or transformative; the nature of the copyrighted work; the amount and
     substantiality of the portion used; and the effect of the use on the potential market for or value of the work.
     Unpublished status does not by itself bar a finding of fair use."""),
    ("s-dmca512", "17 U.S.C. § 512(c) — DMCA safe harbor for hosted content (summary)",
     """Summary: A service provider that stores material at the direction of users is not liable for monetary relief
     for infringement if it lacks actual knowledge or awareness of facts making infringement apparent, receives no
     financial benefit directly attributable to infringing activity it has the right and ability to control, and
     responds expeditiously to a compliant takedown notice. The provider must designate an agent to receive notices
     and adopt and reasonably implement a repeat-infringer policy."""),
    ("s-work-for-hire", "17 U.S.C. § 101 and § 201(b) — Works made for hire (summary)",
     """Summary: A work made for hire is either a work prepared by an employee within the scope of employment, or a
     specially ordered or commissioned work falling into one of nine enumerated categories (such as a contribution
     to a collective work, part of an audiovisual work, a translation or a compilation) where the parties expressly
     agree in a signed writing that it is a work made for hire. The employer or commissioning party is then the
     author and initial owner. Software written by an independent contractor usually falls outside the categories,
     so agreements pair the designation with a present assignment."""),
    ("s-patent101", "35 U.S.C. § 101 — Patent-eligible subject matter (summary)",
     """Summary: Whoever invents or discovers any new and useful process, machine, manufacture or composition of
     matter, or any new and useful improvement thereof, may obtain a patent, subject to the conditions of the title.
     Judicially created exceptions exclude laws of nature, natural phenomena and abstract ideas. A claim directed to
     an exception is eligible only if it contains an inventive concept sufficient to transform it into a patent-
     eligible application."""),
    ("s-dtsa", "18 U.S.C. § 1836 — Defend Trade Secrets Act civil action (summary)",
     """Summary: An owner of a trade secret that is misappropriated may bring a civil action if the trade secret
     relates to a product or service used in interstate or foreign commerce. Remedies include injunctions, damages
     for actual loss and unjust enrichment or a reasonable royalty, exemplary damages up to twice the award for
     willful and malicious misappropriation, and attorney's fees. In extraordinary circumstances the court may order
     ex parte seizure. An injunction may not prevent a person from entering an employment relationship merely on the
     basis of what the person knows. The limitations period is three years from discovery."""),
    ("s-dtsa-immunity", "18 U.S.C. § 1833(b) — Whistleblower immunity notice (summary)",
     """Summary: An individual is immune from trade secret liability for disclosing a trade secret in confidence to a
     government official or an attorney solely to report or investigate a suspected violation of law, or in a sealed
     court filing. Employers must give notice of this immunity in any contract or agreement with an employee,
     contractor or consultant that governs the use of trade secrets or confidential information; an employer that
     fails to do so may not recover exemplary damages or attorney's fees against an employee to whom notice was not
     provided."""),
    ("s-cfaa", "18 U.S.C. § 1030 — Computer Fraud and Abuse Act (summary)",
     """Summary: The statute punishes intentionally accessing a protected computer without authorization or by
     exceeding authorized access and thereby obtaining information, as well as causing damage through transmission
     of code or unauthorized access. A civil action is available to any person who suffers damage or loss from a
     violation if the conduct involves one of the listed factors, most commonly loss aggregating at least $5,000 in
     a one-year period. Suit must be brought within two years of the act or the discovery of the damage."""),
    ("s-title7", "42 U.S.C. § 2000e-2(a) — Title VII unlawful employment practices (summary)",
     """Summary: It is an unlawful employment practice for an employer with fifteen or more employees to refuse to
     hire, to discharge, or otherwise to discriminate against an individual with respect to compensation, terms,
     conditions or privileges of employment because of race, color, religion, sex or national origin, or to limit or
     classify employees in ways that deprive them of opportunities because of those characteristics. A charge must
     first be filed with the EEOC within 180 days, or 300 days in a State with its own agency."""),
    ("s-flsa", "29 U.S.C. §§ 207 and 216(b) — FLSA overtime and collective actions (summary)",
     """Summary: Covered employers must pay non-exempt employees at least one and one-half times their regular rate
     for hours worked over forty in a workweek. Employees may sue for unpaid overtime plus an equal amount as
     liquidated damages, and attorney's fees. Similarly situated employees may proceed collectively, but each must
     file a written consent to join; unlike a Rule 23 class, the collective action is opt-in."""),
    ("s-ucc2314", "U.C.C. § 2-314 — Implied warranty of merchantability (summary)",
     """Summary: Unless excluded or modified, a warranty that goods are merchantable is implied in a contract for
     their sale if the seller is a merchant with respect to goods of that kind. Merchantable goods must at least pass
     without objection in the trade, be fit for the ordinary purposes for which such goods are used, be adequately
     packaged and labeled, and conform to any promises made on the container or label."""),
    ("s-ucc2316", "U.C.C. § 2-316 — Exclusion or modification of warranties (summary)",
     """Summary: To exclude or modify the implied warranty of merchantability, the language must mention
     merchantability and, if in writing, must be conspicuous. To exclude the implied warranty of fitness for a
     particular purpose, the exclusion must be in writing and conspicuous. Expressions such as 'as is' or 'with all
     faults' exclude all implied warranties when they make plain that there is no implied warranty. Express
     warranties cannot be disclaimed by words inconsistent with them."""),
    ("s-ucc2207", "U.C.C. § 2-207 — Additional terms in acceptance or confirmation (summary)",
     """Summary: A definite and seasonable expression of acceptance operates as an acceptance even though it states
     additional or different terms, unless acceptance is expressly made conditional on assent to them. Between
     merchants, additional terms become part of the contract unless the offer expressly limits acceptance to its
     terms, they materially alter it, or notification of objection is given within a reasonable time. Where the
     writings do not form a contract but conduct recognizes one, the terms are those on which the writings agree plus
     supplementary Code terms."""),
    ("s-ucc2719", "U.C.C. § 2-719 — Contractual modification or limitation of remedy (summary)",
     """Summary: An agreement may limit the buyer's remedies to return of the goods and repayment of the price or to
     repair and replacement of non-conforming goods. Where circumstances cause an exclusive or limited remedy to fail
     of its essential purpose, general Code remedies become available. Consequential damages may be limited or
     excluded unless the limitation is unconscionable; limiting consequential damages for personal injury from
     consumer goods is prima facie unconscionable, while limiting commercial loss is not."""),
    ("s-ucc9406", "U.C.C. § 9-406(d) — Anti-assignment terms and accounts receivable (summary)",
     """Summary: A term in an agreement between an account debtor and an assignor is generally ineffective to the
     extent it prohibits, restricts or requires the account debtor's consent to the assignment or transfer of, or
     creation of a security interest in, an account or payment intangible. As a result, a seller may typically
     assign its right to receive payment to a lender or factor even where the contract contains a general
     anti-assignment clause."""),
    ("s-cal16600", "Cal. Bus. & Prof. Code § 16600 — Contracts restraining lawful trade (summary)",
     """Summary: Except as provided by statutory exceptions, every contract by which anyone is restrained from
     engaging in a lawful profession, trade or business of any kind is void to that extent. California courts apply
     the rule broadly to employee non-compete covenants, rejecting a reasonableness test. Statutory exceptions permit
     non-competes given by the seller of a business's goodwill, or by a partner or LLC member on dissolution or sale
     of interest. Later amendments make such clauses unlawful to include in employment contracts and require notice
     to affected employees."""),
    ("s-dgcl102", "8 Del. C. § 102(b)(7) — Exculpation of directors and officers (summary)",
     """Summary: A Delaware certificate of incorporation may include a provision eliminating or limiting the personal
     monetary liability of a director, and (after a later amendment) certain officers, for breach of the fiduciary
     duty of care. The exculpation may not cover breaches of the duty of loyalty, acts or omissions not in good faith
     or involving intentional misconduct or a knowing violation of law, unlawful dividends, or transactions from
     which the person derived an improper personal benefit. Officers cannot be exculpated in derivative suits."""),
    ("s-dgcl220", "8 Del. C. § 220 — Stockholder inspection of books and records (summary)",
     """Summary: A stockholder, on written demand under oath stating the purpose, may inspect the corporation's stock
     ledger, list of stockholders and other books and records for a proper purpose reasonably related to the
     person's interest as a stockholder. Investigating possible mismanagement is a proper purpose if the stockholder
     shows a credible basis to suspect wrongdoing. If the corporation refuses or fails to respond within five
     business days, the stockholder may apply to the Court of Chancery for an order compelling inspection."""),
    ("s-dgcl251", "8 Del. C. § 251 — Merger of domestic corporations (summary)",
     """Summary: Two or more Delaware corporations may merge into a single corporation under an agreement of merger
     adopted by each board and, generally, by a majority of the outstanding stock entitled to vote. On effectiveness
     the separate existence of the merging corporations ceases, except for the surviving corporation, which succeeds
     to all of their rights, property and liabilities by operation of law. Courts have debated whether such a
     vesting by operation of law is an assignment for purposes of contractual anti-assignment provisions."""),
    ("s-fre502", "Fed. R. Evid. 502(b) and (d) — Inadvertent disclosure and clawback orders (summary)",
     """Summary: Disclosure of privileged or work-product material in a federal proceeding does not operate as a
     waiver if the disclosure was inadvertent, the holder took reasonable steps to prevent disclosure, and the holder
     promptly took reasonable steps to rectify the error. A federal court may also order that disclosure connected
     with the litigation does not waive privilege, and such an order binds other federal and state proceedings,
     which is why parties ask for a 502(d) clawback order early in discovery."""),
    ("s-fre702", "Fed. R. Evid. 702 — Testimony by expert witnesses (summary)",
     """Summary: A qualified expert may testify in the form of an opinion if the proponent demonstrates that it is
     more likely than not that the expert's specialized knowledge will help the trier of fact, the testimony is
     based on sufficient facts or data, it is the product of reliable principles and methods, and the opinion
     reflects a reliable application of those principles and methods to the facts of the case."""),
    ("s-gdpr28", "Regulation (EU) 2016/679, Art. 28 — Processor obligations (summary)",
     """Summary: A controller may use only processors providing sufficient guarantees of appropriate technical and
     organisational measures. Processing by a processor must be governed by a binding contract setting out the
     subject matter, duration, nature and purpose of processing and the types of personal data. The contract must
     require the processor to act only on documented instructions, ensure confidentiality of personnel, engage
     sub-processors only with authorisation, assist with data subject requests, delete or return data at the end of
     the services, and make available information and allow for audits, including inspections."""),
    ("s-ucta", "Unfair Contract Terms Act 1977, s. 2 (England and Wales) — Negligence liability (summary)",
     """Summary: A person cannot by contract term or notice exclude or restrict liability for death or personal injury
     resulting from negligence. For other loss or damage, an exclusion or restriction of liability for negligence is
     effective only in so far as it satisfies the requirement of reasonableness. Awareness of or agreement to such a
     term is not of itself evidence of voluntary acceptance of the risk. Commercial limitation clauses are drafted
     with an express carve-out for death and personal injury for this reason."""),
]

FICTIONAL_STATUTES = [
    ("s-wm-breach-3", "Westmarch Data Security Act § 3 — Notification of security breach (fictional)",
     """§ 3. Notification of breach. (a) A person that owns or licenses computerized personal information of a
     resident of this State shall notify the affected resident of a breach of security without unreasonable delay and
     in no event later than forty-five days after determining that the breach occurred. (b) If more than 500 residents
     are affected, the person shall also notify the Attorney General within the same period. (c) Notice may be
     delayed if a law enforcement agency determines that it would impede a criminal investigation. (d) Encrypted data
     is not subject to this section unless the key was also acquired."""),
    ("s-wm-breach-5", "Westmarch Data Security Act § 5 — Civil penalties and private action (fictional)",
     """§ 5. Enforcement. (a) The Attorney General may bring an action for a civil penalty of not more than $1,000 per
     affected resident, up to $500,000 for a single breach. (b) A resident whose unencrypted personal information was
     acquired as a result of a failure to maintain reasonable security may recover actual damages or statutory
     damages of $100 to $750 per incident, whichever is greater. (c) Before suing for statutory damages the resident
     must give thirty days' written notice and opportunity to cure. (d) A contractual waiver of this section is void."""),
    ("s-wm-noncompete", "Westmarch Restrictive Covenants Act § 4 — Enforceability of non-competition agreements (fictional)",
     """§ 4. Non-competition agreements. (a) A non-competition covenant between an employer and employee is enforceable
     only if it (1) is in writing signed by the employee, (2) is supported by consideration beyond continued
     employment when entered after commencement of employment, (3) is no broader than necessary to protect trade
     secrets, confidential information or goodwill, and (4) does not exceed twelve months after separation. (b) A
     covenant is unenforceable against an employee classified as non-exempt under the Fair Labor Standards Act or
     terminated without cause. (c) A court may reform an overbroad covenant to render it enforceable."""),
    ("s-wm-noncompete-6", "Westmarch Restrictive Covenants Act § 6 — Garden leave and notice (fictional)",
     """§ 6. Garden leave. (a) A non-competition covenant is presumed reasonable if the employer agrees to pay the
     former employee, during the restricted period, at least fifty percent of the employee's highest annualized base
     salary within the two years preceding separation. (b) The employer shall provide the covenant to a prospective
     employee with the formal offer of employment or at least ten business days before the start date, and shall
     state that the employee has the right to consult counsel."""),
    ("s-wm-prompt-pay", "Westmarch Prompt Payment Act § 12 — Interest on late payments to contractors (fictional)",
     """§ 12. Late payment interest. (a) An owner shall pay a contractor undisputed amounts within thirty days after
     receipt of a proper invoice. (b) Unpaid undisputed amounts bear interest at one and one-half percent per month
     from the due date. (c) A contractor may suspend performance on seven days' written notice if payment is more
     than forty-five days past due. (d) Any contract provision waiving the rights conferred by this section is
     against public policy and void, except in contracts with a value exceeding $10,000,000."""),
    ("s-wm-indemnity", "Westmarch General Obligations Law § 5-322 — Construction indemnity agreements (fictional)",
     """§ 5-322. Indemnity in construction contracts. A covenant or promise in a contract relating to the construction,
     alteration, repair or maintenance of a building or structure purporting to indemnify or hold harmless the
     promisee against liability for bodily injury or property damage caused by or resulting from the sole negligence
     of the promisee, its agents or employees, is against public policy and void. This section does not affect the
     validity of any insurance contract or an indemnity limited to the extent of the indemnitor's own negligence."""),
    ("s-wm-choice", "Westmarch General Obligations Law § 5-1401 — Choice of law in large commercial contracts (fictional)",
     """§ 5-1401. Choice of law. The parties to any contract arising out of a transaction covering in the aggregate not
     less than $250,000 may agree that the law of this State shall govern their rights and duties in whole or in part,
     whether or not the contract bears a reasonable relation to this State. This section does not apply to contracts
     for labor or personal services, or to transactions for personal, family or household purposes."""),
    ("s-wm-sol", "Westmarch Civil Practice Law § 213 — Six-year limitation for contract actions (fictional)",
     """§ 213. Actions to be commenced within six years. The following actions must be commenced within six years:
     (1) an action for which no limitation is specifically prescribed by law; (2) an action upon a contractual
     obligation or liability, express or implied; (3) an action based upon fraud, measured from the commission of the
     fraud or two years from discovery, whichever is later. A contractual provision shortening the period is
     enforceable if reasonable and in writing."""),
    ("s-wm-ai", "Westmarch Automated Decision Systems Act § 9 — Impact assessments (fictional)",
     """§ 9. Impact assessments. (a) A deployer of a high-risk automated decision system shall complete an impact
     assessment before first use and annually thereafter. (b) The assessment shall describe the system's purpose,
     the categories of data used, known risks of algorithmic discrimination and the safeguards adopted. (c) A deployer
     shall retain each assessment for three years and produce it to the Attorney General within thirty days of a
     written request. (d) A developer shall furnish deployers the documentation reasonably necessary to complete the
     assessment."""),
    ("s-wm-franchise", "Westmarch Franchise Relations Act § 7 — Termination and non-renewal of franchises (fictional)",
     """§ 7. Termination. (a) A franchisor may not terminate a franchise before expiration of its term except for good
     cause. (b) Good cause includes the franchisee's failure to comply with a lawful requirement of the franchise
     agreement after notice and a reasonable opportunity to cure of not less than sixty days. (c) No cure period is
     required where the franchisee is convicted of a felony, abandons the franchise, or repeatedly fails to comply.
     (d) Non-renewal requires six months' notice and waiver of any post-term non-compete."""),
    ("s-wm-esign", "Westmarch Uniform Electronic Transactions Act § 7 — Legal recognition of electronic signatures (fictional)",
     """§ 7. Legal recognition. (a) A record or signature may not be denied legal effect or enforceability solely
     because it is in electronic form. (b) A contract may not be denied legal effect solely because an electronic
     record was used in its formation. (c) If a law requires a record to be in writing or a signature, an electronic
     record or electronic signature satisfies the law. (d) This section applies only to transactions between parties
     each of which has agreed to conduct transactions by electronic means."""),
    ("s-wm-llc", "Westmarch Limited Liability Company Act § 18-1101 — Freedom of contract and fiduciary duties (fictional)",
     """§ 18-1101. Construction. (a) It is the policy of this Act to give maximum effect to the principle of freedom of
     contract and to the enforceability of operating agreements. (b) To the extent a member or manager has duties to
     the company or another member, those duties may be expanded, restricted or eliminated by the operating
     agreement, provided that the agreement may not eliminate the implied contractual covenant of good faith and fair
     dealing. (c) An operating agreement may limit or eliminate liability for breach of contract and breach of duties,
     except for a bad faith violation of the implied covenant."""),
    ("s-wm-consumer", "Westmarch Consumer Contracts Act § 14 — Automatic renewal disclosures (fictional)",
     """§ 14. Automatic renewal. (a) A business that offers a consumer subscription that renews automatically shall
     disclose the renewal terms clearly and conspicuously before the subscription is fulfilled and obtain the
     consumer's affirmative consent. (b) For a term of one year or longer, the business shall send notice between
     fifteen and forty-five days before renewal. (c) The business shall allow cancellation online by the same medium
     used to subscribe. (d) Goods delivered without the required consent are deemed an unconditional gift."""),
]


def build_statutes() -> None:
    for key, title, text in REAL_STATUTES + FICTIONAL_STATUTES:
        add(key, "stat", title, text)


# --------------------------------------------------------------------------- #
# (b) Contract clauses. Each variant differs in a legally meaningful way.
#     {P}/{C} are filled with party short names; extra placeholders come from
#     the parameter sets, so one variant can yield a few realistic siblings.
# --------------------------------------------------------------------------- #

# (clause type, key, agreement, heading, text, [param sets])
CLAUSES = [
    # ---------------- Indemnification ----------------
    ("indem", "indem-mutual-3p", "Master Services Agreement", "Indemnification — mutual, third-party claims",
     """Section 10.1 Mutual Indemnity. Each party (the "Indemnifying Party") shall defend the other party and its
     Affiliates, officers, directors and employees (each, an "Indemnified Party") against any claim, suit or
     proceeding brought by a third party, and shall indemnify and hold harmless the Indemnified Party from Losses
     finally awarded or agreed in settlement, to the extent arising out of (a) the Indemnifying Party's gross
     negligence or willful misconduct, (b) bodily injury, death or damage to tangible property caused by the
     Indemnifying Party's personnel, or (c) the Indemnifying Party's violation of applicable law. Neither party has
     any obligation under this Section for claims to the extent caused by the Indemnified Party's own negligence.""", [{}]),
    ("indem", "indem-ip-uncapped", "Software License Agreement", "IP infringement indemnity — licensor only, uncapped",
     """Section 11.1 Infringement Indemnity. {P} shall defend {C} against any third-party claim alleging that the
     Licensed Software, as delivered and used in accordance with the Documentation, infringes any patent, copyright
     or trademark or misappropriates any trade secret, and shall pay all damages, costs and reasonable attorneys' fees
     finally awarded or agreed in settlement. {P} has no obligation for claims arising from (i) modifications not made
     by {P}, (ii) combination of the Licensed Software with products not supplied by {P} where the claim would not have
     arisen but for the combination, or (iii) use of a superseded release after an updated non-infringing release was
     made available. The obligations in this Section 11.1 are not subject to the limitation of liability in Section 12
     and state {P}'s entire liability for infringement.""", [{}]),
    ("indem", "indem-ip-remedies", "SaaS Subscription Agreement", "IP infringement indemnity — mitigation remedies and refund",
     """Section 9.2 Remedies. If the Service becomes, or in {P}'s opinion is likely to become, the subject of an
     infringement claim, {P} may at its option and expense (a) procure for {C} the right to continue using the Service,
     (b) modify or replace the Service so that it is non-infringing without material loss of functionality, or (c) if
     neither (a) nor (b) is commercially reasonable, terminate the affected Subscription and refund the prepaid fees
     for the remainder of the Subscription Term. This Section 9 states {C}'s sole and exclusive remedy, and {P}'s
     entire liability, for any actual or alleged infringement of third-party intellectual property rights.""", [{}]),
    ("indem", "indem-customer-data", "SaaS Subscription Agreement", "Customer indemnity — customer content and unlawful use",
     """Section 9.3 Indemnification by Customer. {C} shall defend {P} against any claim by a third party arising from
     (a) Customer Content, including any allegation that Customer Content infringes or misappropriates a third party's
     rights or was collected without a lawful basis or required consents, or (b) {C}'s use of the Service in breach of
     the Acceptable Use Policy, and shall pay any amounts finally awarded or agreed in settlement. This indemnity is
     one-way; {P} gives no reciprocal indemnity for Customer Content.""", [{}]),
    ("indem", "indem-capped", "Supply Agreement", "Mutual indemnity subject to the liability cap",
     """Section 14.2 Scope. Each party's indemnification obligations under Section 14.1 are subject to, and count
     toward, the aggregate cap on liability set out in Section 15.2, except that the cap shall not apply to
     indemnification for bodily injury or death. The parties acknowledge that, by making indemnity subject to the cap,
     they have allocated the risk of third-party product liability claims in excess of {cap} to their respective
     insurers.""", [{"cap": "$2,000,000"}, {"cap": "$5,000,000"}]),
    ("indem", "indem-data-breach", "Data Processing Addendum", "Data breach indemnity with super-cap",
     """Section 8.4 Security Incident Indemnity. {P} shall indemnify {C} for reasonable, documented costs incurred
     in responding to a Security Incident caused by {P}'s breach of its security obligations, including forensic
     investigation, legally required notifications to individuals and regulators, call-center support, credit
     monitoring for twelve months, and regulatory fines to the extent insurable under applicable law. {P}'s aggregate
     liability under this Section 8.4 shall not exceed three times the fees paid in the twelve months preceding the
     Security Incident, which amount is separate from and in addition to the general liability cap.""", [{}]),
    ("indem", "indem-procedure", "Master Services Agreement", "Indemnification procedure — notice, control of defense, settlement",
     """Section 10.4 Procedure. The Indemnified Party shall (a) give the Indemnifying Party prompt written notice of
     the claim, provided that delay relieves the Indemnifying Party of its obligations only to the extent it is
     materially prejudiced, (b) tender sole control of the defense and settlement to the Indemnifying Party, and (c)
     provide reasonable cooperation at the Indemnifying Party's expense. The Indemnified Party may participate with
     counsel of its own choosing at its own cost. The Indemnifying Party shall not settle any claim that imposes any
     admission of fault or non-monetary obligation on the Indemnified Party without its prior written consent, not to
     be unreasonably withheld.""", [{}]),
    ("indem", "indem-first-party", "Asset Purchase Agreement", "Indemnity covering direct claims between the parties",
     """Section 8.2 Indemnification by Seller. From and after the Closing, Seller shall indemnify Buyer for all Losses
     arising out of any inaccuracy in or breach of a representation or warranty of Seller, any breach of a covenant of
     Seller, or any Excluded Liability. The parties expressly intend that this Section 8.2 applies to claims between
     the parties (direct claims) as well as third-party claims, and that attorneys' fees incurred by Buyer in
     enforcing this Agreement against Seller are recoverable Losses. Seller's liability for breaches of
     non-fundamental representations is subject to a deductible of one percent and a cap of ten percent of the
     Purchase Price; claims for fraud are not limited.""", [{}]),
    ("indem", "indem-sole-negligence", "Construction Services Agreement", "Contractor indemnity limited to the extent of its negligence",
     """Section 12.1 Indemnity. To the fullest extent permitted by law, Contractor shall indemnify and hold harmless
     Owner from claims for bodily injury or property damage arising out of the Work, but only to the extent caused by
     the negligent acts or omissions of Contractor, its subcontractors or anyone for whose acts they may be liable.
     Nothing in this Section requires Contractor to indemnify Owner for Owner's own negligence, and this Section shall
     be construed so as to comply with any anti-indemnity statute of the State where the Project is located.""", [{}]),

    # ---------------- Limitation of liability ----------------
    ("lol", "lol-cap-fees", "SaaS Subscription Agreement", "Limitation of liability — mutual cap at fees paid",
     """Section 12.2 Cap. Except for Excluded Claims, each party's aggregate liability arising out of or related to
     this Agreement, whether in contract, tort (including negligence) or otherwise, shall not exceed the fees paid and
     payable by {C} in the {months} months preceding the event giving rise to the claim. "Excluded Claims" means a
     party's indemnification obligations, breach of Section 7 (Confidentiality), and liability arising from gross
     negligence, fraud or willful misconduct, for which liability is uncapped.""",
     [{"months": "twelve (12)"}, {"months": "twenty-four (24)"}]),
    ("lol", "lol-fixed-cap", "Consulting Agreement", "Limitation of liability — fixed dollar cap, no carve-outs",
     """Section 9. Limitation. In no event shall either party's total cumulative liability for all claims under or in
     connection with this Agreement exceed {cap} in the aggregate. This limitation applies to all causes of action,
     including breach of contract, breach of warranty, negligence, strict liability and misrepresentation, and applies
     even if a remedy fails of its essential purpose. The parties have agreed to this cap without exceptions, and it
     applies equally to indemnification obligations.""", [{"cap": "$250,000"}, {"cap": "$1,000,000"}]),
    ("lol", "lol-consequential", "Master Services Agreement", "Mutual exclusion of consequential damages",
     """Section 13.1 Exclusion of Certain Damages. Neither party shall be liable to the other for any indirect,
     incidental, consequential, special, exemplary or punitive damages, or for loss of profits, revenue, business or
     goodwill, or cost of procurement of substitute services, however caused, even if advised of the possibility of
     such damages. The foregoing exclusion does not apply to (a) a party's indemnification obligations for third-party
     claims, (b) breach of confidentiality obligations, or (c) {C}'s obligation to pay fees due.""", [{}]),
    ("lol", "lol-vendor-only", "Software License Agreement", "One-way limitation protecting the licensor",
     """Section 12. Limitation of Liability. {P}'s total liability to {C} under this Agreement shall be limited to the
     license fees actually paid for the Licensed Software giving rise to the claim, and {P} shall not be liable for
     any lost profits, lost data or consequential damages. No corresponding limitation applies to {C}, whose liability
     for breach of the license restrictions in Section 3 or for unpaid fees is unlimited.""", [{}]),
    ("lol", "lol-death-pi", "Framework Services Agreement (English law)", "Limitation — carve-out for death, personal injury and fraud",
     """Clause 17. Limitation of Liability. 17.1 Nothing in this Agreement limits or excludes either party's liability for (a) death or personal
     injury caused by its negligence, or that of its employees, agents or subcontractors; (b) fraud or fraudulent
     misrepresentation; or (c) any other liability which cannot be limited or excluded by applicable law. 17.2
     Subject to clause 17.1, each party's total liability in contract, tort (including negligence), breach of
     statutory duty or otherwise shall be limited to 125% of the Charges paid in the Contract Year in which the
     liability arises.""", [{}]),
    ("lol", "lol-lost-profits-direct", "Supply Agreement", "Lost profits and cover costs treated as direct damages",
     """Section 15.3 Direct Damages. Notwithstanding Section 15.1, the parties agree that the following shall be
     deemed direct damages recoverable by {C}: (a) the reasonable cost of procuring substitute goods in excess of the
     Contract Price (cover), (b) expedited freight charges incurred because of late delivery, and (c) lost profits on
     {C}'s resale contracts that are lost as a direct result of {P}'s failure to deliver conforming Products. Nothing in
     this Section expands the cap in Section 15.2.""", [{}]),
    ("lol", "lol-gross-neg-uncapped", "Master Services Agreement", "Cap with gross negligence, willful misconduct and data breach carve-outs",
     """Section 13.2 Liability Cap. Each party's total liability shall not exceed the greater of {cap} or the fees paid
     in the prior twelve months. Section 13.3 Exceptions. The limitations in Sections 13.1 and 13.2 shall not apply
     to (a) liability for gross negligence, willful misconduct or fraud, (b) breach of Section 8 (Data Protection)
     resulting in unauthorized access to Personal Data, or (c) infringement or misappropriation of the other party's
     intellectual property. For the avoidance of doubt, liability under (b) is unlimited.""",
     [{"cap": "$3,000,000"}]),
    ("lol", "lol-no-cap-payment", "Equipment Lease", "Limitation excludes rent and payment obligations",
     """Section 18. Limitation. Lessor shall not be liable for any loss of use, downtime or consequential damages
     arising from the Equipment. Lessee's obligation to pay Rent and all other amounts due under this Lease is
     absolute and unconditional and is not subject to any abatement, set-off, counterclaim or limitation of liability,
     whether arising from defects in the Equipment, force majeure or otherwise (a "hell or high water" clause).""", [{}]),

    # ---------------- Governing law / jurisdiction ----------------
    ("gov", "gov-ny-exclusive", "Master Services Agreement", "Governing law New York; exclusive jurisdiction in Manhattan courts",
     """Section 19.1 Governing Law. This Agreement shall be governed by the laws of the State of New York without
     regard to conflict-of-laws principles that would require application of another jurisdiction's law. Each party
     irrevocably submits to the exclusive jurisdiction of the state and federal courts located in the Borough of
     Manhattan, New York County, and waives any objection based on inconvenient forum. The United Nations Convention
     on Contracts for the International Sale of Goods does not apply.""", [{}]),
    ("gov", "gov-de-jury", "Asset Purchase Agreement", "Delaware law, Chancery forum and jury trial waiver",
     """Section 11.8 Governing Law; Forum; Waiver of Jury Trial. This Agreement and all claims arising out of it,
     whether sounding in contract or tort, shall be governed by Delaware law. Each party consents to the exclusive
     jurisdiction of the Court of Chancery of the State of Delaware, or if that court lacks subject matter
     jurisdiction, the federal court in the District of Delaware. EACH PARTY KNOWINGLY AND VOLUNTARILY WAIVES ANY
     RIGHT TO A TRIAL BY JURY IN ANY PROCEEDING ARISING OUT OF THIS AGREEMENT.""", [{}]),
    ("gov", "gov-ca", "Consulting Agreement", "California governing law and venue in San Francisco",
     """Section 14. Governing Law and Venue. This Agreement is governed by the laws of the State of California. Any
     action shall be brought exclusively in the state or federal courts located in the City and County of San
     Francisco. The prevailing party in any action to enforce this Agreement shall be entitled to recover its
     reasonable attorneys' fees and costs.""", [{}]),
    ("gov", "gov-england", "Framework Services Agreement (English law)", "English law and exclusive jurisdiction of the courts of England",
     """Clause 28. Governing Law and Jurisdiction. This Agreement and any dispute or claim (including non-contractual disputes or claims) arising out
     of or in connection with it or its subject matter or formation shall be governed by and construed in accordance
     with the law of England and Wales. Each party irrevocably agrees that the courts of England and Wales shall have
     exclusive jurisdiction to settle any such dispute or claim.""", [{}]),
    ("gov", "gov-nonexclusive", "Loan Agreement", "Non-exclusive jurisdiction for the benefit of the lender",
     """Section 22.2 Jurisdiction. The Borrower submits to the non-exclusive jurisdiction of the courts of the State
     of New York sitting in New York County and of the United States District Court for the Southern District of New
     York. Nothing in this Section limits the right of the Lender to bring proceedings against the Borrower in any
     other court of competent jurisdiction, nor shall proceedings in one jurisdiction preclude proceedings in any
     other jurisdiction, whether concurrently or not. The Borrower appoints {P} as its agent for service of process.""", [{}]),
    ("gov", "gov-texas-cisg", "Supply Agreement", "Texas law; CISG expressly excluded",
     """Section 21. Governing Law. This Agreement shall be governed by the laws of the State of Texas, including the
     Uniform Commercial Code as adopted in Texas. The parties expressly exclude the application of the United Nations
     Convention on Contracts for the International Sale of Goods (1980) and the Uniform Computer Information
     Transactions Act. Venue lies exclusively in Harris County, Texas.""", [{}]),

    # ---------------- Dispute resolution / arbitration ----------------
    ("arb", "arb-aaa", "Master Services Agreement", "Binding arbitration under AAA Commercial Rules, seat New York",
     """Section 19.2 Arbitration. Any dispute arising out of or relating to this Agreement, including its formation,
     validity or termination, shall be finally resolved by binding arbitration administered by the American
     Arbitration Association under its Commercial Arbitration Rules before three arbitrators. The seat of arbitration
     shall be New York, New York, and the proceedings shall be conducted in English. Judgment on the award may be
     entered in any court having jurisdiction. Either party may seek interim injunctive relief from a court to protect
     its intellectual property or Confidential Information pending the arbitration.""", [{}]),
    ("arb", "arb-escalation", "Supply Agreement", "Tiered dispute resolution — executive negotiation, mediation, then litigation",
     """Section 20. Dispute Resolution. Before commencing any proceeding, the parties shall first refer the dispute to
     their respective Vice Presidents of Operations, who shall meet within ten business days. If the dispute is not
     resolved within thirty days of referral, either party may submit it to non-binding mediation. Only if mediation
     does not resolve the dispute within sixty days may a party commence litigation. Compliance with this Section is a
     condition precedent to suit, except for actions seeking urgent injunctive relief.""", [{}]),
    ("arb", "arb-class-waiver", "Online Terms of Service", "Individual arbitration and class action waiver",
     """Section 16. Arbitration; Class Waiver. You and {P} agree to resolve any dispute through final and binding
     arbitration on an individual basis, and not as a plaintiff or class member in any purported class, collective or
     representative proceeding. The arbitrator may not consolidate claims of more than one person. You may opt out of
     this arbitration agreement by sending written notice within thirty days after first accepting these Terms. Claims
     within the jurisdiction of small claims court may be brought there.""", [{}]),

    # ---------------- Assignment ----------------
    ("assign", "assign-consent-void", "Software License Agreement", "Anti-assignment — consent required, non-conforming transfers void",
     """Section 16.3 Assignment. Neither party may assign or transfer this Agreement or any of its rights or
     obligations, whether voluntarily, by operation of law, by merger or otherwise, without the prior written consent
     of the other party. Any purported assignment in violation of this Section is null and void. Subject to the
     foregoing, this Agreement binds and benefits the parties and their permitted successors and assigns.""", [{}]),
    ("assign", "assign-affiliate-merger", "Master Services Agreement", "Assignment permitted to affiliates and in a merger without consent",
     """Section 18.2 Assignment. Neither party may assign this Agreement without the other party's prior written
     consent, except that either party may assign this Agreement in its entirety, without consent, (a) to an
     Affiliate, or (b) to a successor in connection with a merger, acquisition, corporate reorganization or sale of all
     or substantially all of its assets or of the business to which this Agreement relates, provided the assignee
     agrees in writing to be bound and the assigning party gives notice within thirty days after the assignment.""", [{}]),
    ("assign", "assign-coc-deemed", "Software License Agreement", "Change of control of licensee deemed an assignment",
     """Section 15.1 Assignment. {C} shall not assign, delegate or otherwise transfer this Agreement or any license
     granted under it without {P}'s prior written consent. For purposes of this Section, a Change of Control of {C},
     whether by merger, reverse triangular merger, sale of equity or otherwise, shall be deemed an assignment requiring
     consent. {P} may freely assign this Agreement upon notice to {C}.""", [{}]),
    ("assign", "assign-not-unreasonably", "Commercial Lease", "Assignment with consent not to be unreasonably withheld",
     """Section 14.1 Transfer. Tenant shall not assign this Lease or sublet all or part of the Premises without
     Landlord's prior written consent, which consent shall not be unreasonably withheld, conditioned or delayed.
     It shall be deemed reasonable for Landlord to withhold consent if the proposed transferee's tangible net worth is
     less than that of Tenant on the date of this Lease, or if the proposed use would violate an exclusive granted to
     another tenant. Landlord shall respond to a request within fifteen business days, failing which consent is deemed
     given.""", [{}]),
    ("assign", "assign-no-competitor", "Distribution Agreement", "Assignment on sale of business permitted except to a competitor",
     """Section 17. Assignment. Distributor may assign this Agreement to a purchaser of all or substantially all of
     its assets without {P}'s consent, provided that no such assignment may be made to a Competitor of {P}, and any
     assignment to a Competitor shall entitle {P} to terminate this Agreement immediately on written notice.
     "Competitor" means any person that derives more than ten percent of its revenue from the manufacture of
     industrial sensors.""", [{}]),
    ("assign", "assign-receivables", "Supply Agreement", "Anti-assignment clause with carve-out for receivables financing",
     """Section 22.4 Assignment. Except as provided in this Section, neither party may assign this Agreement without
     consent. {P} may, without consent, assign its right to receive payment under this Agreement to a lender, factor or
     other financing source, and {C} shall pay to such assignee upon receipt of a notice of assignment. {P}'s
     performance obligations remain with {P} notwithstanding any such assignment.""", [{}]),
    ("assign", "assign-one-way", "SaaS Subscription Agreement", "One-way assignment — provider free to assign, customer needs consent",
     """Section 14.5 Assignment. {C} may not assign or transfer this Agreement, in whole or in part, without {P}'s
     prior written consent. {P} may assign this Agreement without consent to any Affiliate or to any successor to its
     business. Any attempted assignment in violation of this Section shall be void.""", [{}]),

    # ---------------- Change of control ----------------
    ("coc", "coc-termination", "Strategic Alliance Agreement", "Termination right upon change of control of the other party",
     """Section 12.4 Change of Control. If a party undergoes a Change of Control, it shall notify the other party in
     writing within ten days after the closing. The other party may terminate this Agreement by written notice given
     within ninety days after receiving such notice, effective on the date specified in the notice, without liability
     for such termination.""", [{}]),
    ("coc", "coc-competitor", "Software License Agreement", "Termination if licensee is acquired by a competitor",
     """Section 13.6 Acquisition by a Competitor. If {C} is acquired by, or merges with, a Direct Competitor of {P}, {P}
     may terminate this Agreement on sixty days' written notice, and upon termination {C} shall cease use of the
     Licensed Software, return all Documentation and certify destruction of all copies. Fees prepaid for periods after
     the effective date of termination shall be refunded pro rata.""", [{}]),
    ("coc", "coc-consent-equity", "Joint Venture Agreement", "Change of control requires consent; drag and tag rights",
     """Section 9.1 Transfers. No Member shall permit a Change of Control of such Member without the prior written
     consent of the other Member. Section 9.3 Tag-Along. If a Member proposes to sell Units representing more than
     fifty percent of the outstanding Units to a third party, the other Member may require that its Units be included
     in the sale on the same terms. Section 9.4 Drag-Along. A Member holding more than seventy-five percent of the Units
     may require the other Member to sell on the same terms in an arm's-length sale to an unaffiliated buyer.""", [{}]),
    ("coc", "coc-vesting", "Executive Employment Agreement", "Double-trigger acceleration of equity on change of control",
     """Section 6.3 Change in Control. If, within twelve months following a Change in Control, the Company terminates
     the Executive's employment without Cause or the Executive resigns for Good Reason, then all outstanding unvested
     equity awards held by the Executive shall vest in full as of the date of termination. A Change in Control alone,
     without such a qualifying termination, shall not accelerate vesting.""", [{}]),
    ("coc", "coc-notice-only", "Master Services Agreement", "Change of control — notice only, no termination right",
     """Section 18.4 Change of Control. A party shall give the other party written notice of any Change of Control
     within thirty days after it occurs. A Change of Control shall not constitute an assignment of this Agreement,
     shall not require the consent of the other party, and shall not give rise to any right of termination.""", [{}]),

    # ---------------- Non-compete / non-solicit ----------------
    ("noncomp", "nc-employee-12m", "Employment Agreement", "Employee non-compete — twelve months, limited territory",
     """Section 8.1 Non-Competition. During employment and for twelve months after the Separation Date, Employee
     shall not, within any state in which the Company sold products during the last two years of Employee's
     employment, perform services for a Competing Business that are the same as or similar to those Employee performed
     for the Company. Section 8.5 Reformation. If a court finds any restriction unreasonable, the court may modify the
     restriction to the minimum extent necessary to render it enforceable.""", [{}]),
    ("noncomp", "nc-nonsolicit-employees", "Consulting Agreement", "Mutual non-solicitation of employees with general-solicitation exception",
     """Section 10. Non-Solicitation. During the Term and for twelve months thereafter, neither party shall directly or
     indirectly solicit for employment any employee of the other party with whom it had material contact in
     connection with the Services. General solicitations not targeted at the other party's employees, such as public
     job postings, and hiring of persons who respond to them, do not violate this Section.""", [{}]),
    ("noncomp", "nc-sale-of-business", "Asset Purchase Agreement", "Seller non-compete — five years following sale of business",
     """Section 6.7 Non-Competition. For a period of five years after the Closing Date, Seller and each Principal shall
     not, directly or indirectly, own, manage, operate or provide services to any business that competes with the
     Business anywhere in North America. Seller acknowledges that this covenant is a material inducement for Buyer to
     pay the Purchase Price, which includes substantial consideration for goodwill, and that the covenant is ancillary
     to the sale of the Business.""", [{}]),
    ("noncomp", "nc-customer-nonsolicit", "Employment Agreement", "Customer non-solicitation only; no non-compete",
     """Section 8.2 Non-Solicitation of Customers. For eighteen months after the Separation Date, Employee shall not
     solicit or accept business from any customer of the Company with which Employee had material contact, or about
     which Employee received Confidential Information, during the last two years of employment, for the purpose of
     providing competing products. Nothing in this Agreement prohibits Employee from working for a competitor.""", [{}]),
    ("noncomp", "nc-california", "Employment Agreement", "Restrictive covenants — California employees excluded",
     """Section 8.6 California Employees. Notwithstanding anything to the contrary, if Employee primarily resides and
     works in California, Sections 8.1 (Non-Competition) and 8.2 (Non-Solicitation of Customers) shall not apply, and
     Employee's obligations shall be limited to protecting the Company's trade secrets. Employee shall not be required
     to adjudicate outside California any claim arising in California, or to submit such claim to the law of another
     state.""", [{}]),
    ("noncomp", "nc-garden-leave", "Executive Employment Agreement", "Non-compete supported by garden leave pay",
     """Section 7.2 Garden Leave. In consideration of the Executive's covenant not to compete for nine months after
     separation, the Company shall continue to pay the Executive fifty percent of base salary during the restricted
     period. The Company may waive the covenant, in whole or in part, by written notice within ten days after the
     Separation Date, in which case its payment obligation ceases for the waived period.""", [{}]),
    ("noncomp", "nc-exclusivity", "Distribution Agreement", "Exclusive distribution with distributor's non-compete during term",
     """Section 3.2 Exclusivity. During the Term, {P} appoints Distributor as its exclusive distributor of the Products
     in the Territory, and Distributor shall not manufacture, distribute or promote any products that compete with the
     Products. {P} shall not appoint any other distributor in the Territory, but reserves the right to sell directly
     to the house accounts listed in Schedule 3.""", [{}]),

    # ---------------- Confidentiality ----------------
    ("conf", "conf-mutual-standard", "Mutual Nondisclosure Agreement", "Mutual confidentiality with standard exclusions",
     """Section 2. Obligations. Each party shall use the other party's Confidential Information solely to evaluate the
     Proposed Transaction and shall protect it using at least the degree of care it uses for its own similar
     information, and no less than reasonable care. Section 3. Exclusions. Confidential Information does not include
     information that (a) is or becomes public through no fault of the Recipient, (b) was known to the Recipient
     without restriction before disclosure, (c) is received from a third party without breach of any duty, or (d) is
     independently developed without use of the Discloser's information.""", [{}]),
    ("conf", "conf-survival", "Master Services Agreement", "Confidentiality survival — five years, trade secrets indefinitely",
     """Section 7.5 Duration. The obligations in this Section 7 shall survive termination or expiration of this
     Agreement for five years, except that with respect to any Confidential Information that constitutes a trade
     secret under applicable law, such obligations shall continue for as long as the information remains a trade
     secret.""", [{}]),
    ("conf", "conf-compelled", "Mutual Nondisclosure Agreement", "Compelled disclosure — notice and protective order",
     """Section 4. Required Disclosure. If the Recipient is required by law, regulation, subpoena or court order to
     disclose Confidential Information, it shall, to the extent legally permitted, give the Discloser prompt written
     notice so that the Discloser may seek a protective order or other remedy, shall reasonably cooperate in those
     efforts at the Discloser's expense, and shall disclose only that portion of the information that its counsel
     advises is legally required.""", [{}]),
    ("conf", "conf-return", "Mutual Nondisclosure Agreement", "Return or destruction of confidential information; backup exception",
     """Section 6. Return of Materials. Within fifteen days after the Discloser's written request, the Recipient shall
     return or destroy all Confidential Information and certify destruction in writing by an officer. The Recipient
     may retain copies (a) in automatic electronic backup systems not readily accessible in the ordinary course, and
     (b) as required to comply with law or bona fide document retention policies, in each case subject to continuing
     confidentiality.""", [{}]),
    ("conf", "conf-residuals", "Technology Collaboration Agreement", "Residuals clause permitting use of unaided memory",
     """Section 8.4 Residuals. Nothing in this Agreement restricts either party from using Residuals for any purpose.
     "Residuals" means ideas, concepts, know-how and techniques of a general nature retained in the unaided memory of
     personnel who had access to Confidential Information, without intentional memorization or reference to any
     record. This Section grants no license under the other party's patents or copyrights.""", [{}]),
    ("conf", "conf-one-way-employee", "Employment Agreement", "Employee confidentiality with whistleblower immunity notice",
     """Section 7. Confidential Information. Employee shall hold all Confidential Information in strict confidence
     during and after employment and use it only for the Company's benefit. Notice of Immunity: an individual shall
     not be held criminally or civilly liable under any federal or state trade secret law for disclosure of a trade
     secret made in confidence to a government official or an attorney solely for reporting or investigating a
     suspected violation of law, or made in a complaint or other document filed under seal in a lawsuit. Nothing in
     this Agreement prevents Employee from communicating with any government agency.""", [{}]),

    # ---------------- Termination ----------------
    ("tfc", "tfc-customer-fee", "Master Services Agreement", "Termination for convenience by customer with termination fee",
     """Section 16.2 Termination for Convenience. {C} may terminate this Agreement or any Statement of Work for
     convenience upon {days} days' prior written notice to {P}. Upon such termination, {C} shall pay (a) fees for
     Services performed through the effective date, (b) non-cancellable commitments made by {P} in reliance on the
     Statement of Work, and (c) a termination fee equal to {fee} of the fees that would have been payable for the
     remainder of the then-current term.""",
     [{"days": "thirty (30)", "fee": "fifty percent (50%)"}, {"days": "ninety (90)", "fee": "twenty-five percent (25%)"}]),
    ("tfc", "tfc-mutual", "Consulting Agreement", "Mutual termination for convenience, no fee",
     """Section 12.1 Termination for Convenience. Either party may terminate this Agreement at any time, for any reason or no reason, on sixty days'
     written notice to the other party. No termination fee or penalty shall be payable, and Consultant shall be paid
     for Services rendered and approved expenses incurred through the effective date of termination.""", [{}]),
    ("tfc", "tfc-initial-term-lock", "SaaS Subscription Agreement", "No termination for convenience during initial term",
     """Section 13.1 Term. The initial Subscription Term is thirty-six months. Neither party may terminate for
     convenience during the initial Subscription Term, and fees for the full initial term are non-cancellable and
     non-refundable except as expressly provided in Section 9.2 and Section 13.3. After the initial term, the
     Subscription renews for successive twelve-month periods unless either party gives notice of non-renewal at
     least sixty days before the end of the then-current term.""", [{}]),
    ("tfc", "tfc-govt-style", "Subcontract", "Termination for convenience with settlement of costs and no anticipatory profit",
     """Section 24. Termination for Convenience. Prime Contractor may terminate this Subcontract in whole or in part
     whenever it determines that termination is in its interest, including upon termination of the Prime Contract.
     Subcontractor shall stop work, place no further orders and submit a termination settlement proposal within
     sixty days. Subcontractor shall be paid allowable costs incurred for work performed and a reasonable profit on
     that work, but shall not recover anticipatory profits or consequential damages on unperformed work.""", [{}]),
    ("tfc", "term-cause-cure", "Master Services Agreement", "Termination for cause — material breach with 30-day cure period",
     """Section 16.1 Termination for Cause. Either party may terminate this Agreement upon written notice if the other
     party materially breaches this Agreement and fails to cure the breach within thirty days after receiving written
     notice describing it in reasonable detail; provided that for non-payment the cure period is ten days. Either
     party may terminate immediately if the other becomes the subject of a voluntary or involuntary bankruptcy
     petition not dismissed within sixty days, makes an assignment for the benefit of creditors, or ceases to do
     business in the ordinary course.""", [{}]),
    ("tfc", "term-effects", "SaaS Subscription Agreement", "Effects of termination — data export window and survival",
     """Section 13.4 Effect of Termination. Upon termination or expiration, {C}'s right to access the Service ceases,
     except that for thirty days {P} shall make Customer Data available for export in a standard machine-readable
     format. After that period {P} may delete Customer Data in accordance with its retention schedule. Sections 7
     (Confidentiality), 9 (Indemnification), 12 (Limitation of Liability) and 19 (General) survive termination.""", [{}]),

    # ---------------- Force majeure ----------------
    ("fm", "fm-broad-pandemic", "Master Services Agreement", "Force majeure — broad list including epidemics and government orders",
     """Section 20.1 Force Majeure. Neither party shall be liable for failure or delay in performance (other than
     payment obligations) to the extent caused by events beyond its reasonable control, including acts of God, flood,
     fire, earthquake, epidemic or pandemic, quarantine, war, terrorism, civil unrest, labor disputes not involving the
     affected party's own workforce, acts or orders of any governmental authority, and failures of public utilities or
     the internet. The affected party shall give prompt notice and use commercially reasonable efforts to resume
     performance.""", [{}]),
    ("fm", "fm-narrow", "Supply Agreement", "Narrow force majeure — market changes and cost increases excluded",
     """Section 19. Force Majeure. A Force Majeure Event means only an event listed in this Section that is beyond the
     affected party's control and could not have been prevented by reasonable precautions: natural disaster, war,
     acts of terrorism and embargo. For clarity, the following are not Force Majeure Events: changes in market
     conditions, increased costs of raw materials, energy or labor, currency fluctuations, the affected party's
     financial inability to perform, and failures of that party's suppliers unless themselves caused by a Force
     Majeure Event.""", [{}]),
    ("fm", "fm-termination-60", "Supply Agreement", "Right to terminate if force majeure continues beyond a set period",
     """Section 19.3 Prolonged Force Majeure. If a Force Majeure Event prevents performance of a material obligation
     for more than {days} consecutive days, the party not affected may terminate this Agreement on written notice
     without liability. During the Force Majeure Event, {C} may purchase substitute goods from third parties and reduce
     its purchase commitments accordingly.""", [{"days": "sixty (60)"}, {"days": "one hundred twenty (120)"}]),
    ("fm", "fm-cyber", "SaaS Subscription Agreement", "Force majeure excludes cyberattacks preventable by required security",
     """Section 18.2 Exclusions. A denial-of-service attack, ransomware or other cyberattack shall constitute a Force
     Majeure Event only if {P} was in compliance with the Security Standards in Exhibit C at the time of the attack and
     the attack could not have been prevented by such compliance. Force majeure shall not excuse {P}'s obligations to
     maintain and execute its business continuity and disaster recovery plans.""", [{}]),
    ("fm", "fm-notice-mitigation", "Construction Services Agreement", "Force majeure notice as condition precedent to time extension",
     """Section 15.2 Notice. Contractor shall notify Owner in writing within seven days after Contractor becomes aware
     of any event that it claims is a Force Majeure Event, describing the event, its expected duration and the
     affected Work. Failure to give timely notice waives Contractor's right to an extension of time for that event.
     Contractor is entitled to an extension of the Contract Time but not to additional compensation for Force Majeure
     delays.""", [{}]),

    # ---------------- Most favored nation ----------------
    ("mfn", "mfn-pricing", "Supply Agreement", "Most favored customer pricing for similarly situated customers",
     """Section 5.4 Most Favored Customer. {P} represents that the prices charged to {C} are no higher than the prices
     charged to any other customer purchasing comparable Products in similar volumes on substantially similar terms.
     If {P} offers lower prices to any such customer during the Term, {P} shall promptly offer the same prices to {C},
     effective from the date first offered to the other customer, and shall credit any overpayment against the next
     invoice.""", [{}]),
    ("mfn", "mfn-cert-audit", "Software License Agreement", "MFN with annual certification and audit",
     """Section 6.6 Most Favored Nation. {P} shall certify annually in writing, signed by an officer, that it has
     complied with Section 6.5 (Most Favored Pricing). {C} may, once per year and at its expense, engage an independent
     auditor bound by confidentiality to verify compliance. If the audit reveals pricing more favorable to another
     licensee, {P} shall refund the difference for the entire period and reimburse the cost of the audit.""", [{}]),
    ("mfn", "mfn-settlement", "Settlement Agreement", "Most favored nation clause in a settlement",
     """Paragraph 9. Most Favored Nation. If, within twenty-four months after the Effective Date, Defendant enters into
     a settlement with any other plaintiff in the Coordinated Actions on terms that provide a higher payment per
     affected unit than provided in this Agreement, Defendant shall pay Plaintiffs the difference within thirty days.
     Settlements entered after a verdict are excluded.""", [{}]),
    ("mfn", "mfn-exclusions", "Master Services Agreement", "MFN rates with exclusions for government and promotional pricing",
     """Section 6.3 Best Rates. {P}'s hourly rates for {C} shall not exceed the rates charged to any other commercial
     client for the same personnel category in the same geographic market. This Section does not apply to rates
     charged to government entities, pro bono or promotional engagements, fixed-fee engagements, or engagements
     with total annual fees less than $500,000.""", [{}]),

    # ---------------- Audit rights ----------------
    ("audit", "audit-royalty", "Patent License Agreement", "Royalty audit with cost-shifting above five percent underpayment",
     """Section 5.6 Audit. Licensee shall keep complete and accurate records of Net Sales for three years after the
     calendar year to which they relate. Licensor may, no more than once per calendar year and on thirty days' notice,
     have an independent certified public accountant inspect such records during business hours. If the audit reveals
     an underpayment, Licensee shall pay the shortfall with interest; if the underpayment exceeds five percent for the
     audited period, Licensee shall also bear the cost of the audit.""", [{}]),
    ("audit", "audit-license-compliance", "Software License Agreement", "Software license compliance audit and true-up",
     """Section 8.2 Verification. Upon forty-five days' notice, no more than once in any twelve-month period, {P} may
     verify {C}'s compliance with the license scope, including the number of users and cores deployed. {C} shall run
     the measurement tools provided by {P} and deliver the results. If {C} has exceeded its licensed quantities, it
     shall purchase the excess at the then-current list price, together with back maintenance fees.""", [{}]),
    ("audit", "audit-security-soc2", "Data Processing Addendum", "Security audit satisfied by SOC 2 Type II report",
     """Section 10. Audits. {P} shall make available its most recent SOC 2 Type II report and ISO 27001 certificate.
     {C} agrees that such reports satisfy its audit rights, except that {C} may conduct an on-site audit once per year
     if (a) required by a supervisory authority, (b) following a Security Incident, or (c) the reports do not reasonably
     address {C}'s concerns. On-site audits are at {C}'s cost and subject to {P}'s confidentiality and safety rules.""", [{}]),
    ("audit", "audit-records-cost-plus", "Subcontract", "Records retention and audit of cost-reimbursable charges",
     """Section 18. Records and Audit. Subcontractor shall maintain books, records, documents and other evidence of
     costs charged on a cost-reimbursable basis for four years after final payment. Prime Contractor and any
     governmental authority with jurisdiction may audit such records. Overcharges found by any audit shall be refunded
     within thirty days, and if overcharges exceed three percent Subcontractor shall reimburse the reasonable cost of
     the audit.""", [{}]),

    # ---------------- IP assignment / ownership ----------------
    ("ip", "ip-present-assignment", "Consulting Agreement", "Present assignment of inventions — 'hereby assigns' and work made for hire",
     """Section 6.1 Ownership. All Deliverables and all inventions, works of authorship and other intellectual property
     conceived or reduced to practice by Consultant in performing the Services ("Work Product") are the sole property of
     {C}. To the extent the Work Product qualifies, it is a work made for hire. Consultant hereby assigns to {C} all
     right, title and interest in and to any Work Product that is not a work made for hire, and agrees to execute any
     documents reasonably requested to perfect that assignment.""", [{}]),
    ("ip", "ip-agree-to-assign", "Research Collaboration Agreement", "Promise to assign future inventions (no present assignment)",
     """Section 7.2 Inventions. Each researcher of the University agrees to assign to Sponsor, upon Sponsor's written
     request, its rights in Sponsored Inventions, subject to the University's retained right to use them for research
     and teaching. Until such assignment is executed, title remains with the inventor or the University, as
     applicable.""", [{}]),
    ("ip", "ip-background-license", "Master Services Agreement", "Provider retains background IP and grants a license",
     """Section 11.2 Pre-Existing Materials. {P} retains all right, title and interest in its tools, templates,
     libraries and know-how existing before or developed independently of this Agreement ("Provider Materials"). To the
     extent any Provider Materials are incorporated into a Deliverable, {P} grants {C} a non-exclusive, perpetual,
     irrevocable, royalty-free, worldwide license to use them solely as part of that Deliverable. {C} owns the
     Deliverables excluding Provider Materials.""", [{}]),
    ("ip", "ip-moral-rights", "Creative Services Agreement", "Waiver of moral rights and assignment of copyright",
     """Section 5.3 Moral Rights. To the extent permitted by law, the Creator irrevocably waives, and agrees not to
     assert, any moral rights, rights of attribution or integrity, or droit moral in the Works, and consents to {C}'s
     modification, adaptation and use of the Works without attribution. The Creator assigns to {C} the entire copyright
     in the Works throughout the world for the full term of protection, including renewals and extensions.""", [{}]),
    ("ip", "ip-feedback", "SaaS Subscription Agreement", "Feedback license to the provider",
     """Section 10.4 Feedback. If {C} provides suggestions, enhancement requests or other feedback regarding the
     Service, {P} may use and incorporate such feedback without restriction or obligation, and {C} grants {P} a
     perpetual, irrevocable, royalty-free license for that purpose. Feedback is not {C}'s Confidential Information,
     but {P} shall not identify {C} as its source without consent.""", [{}]),
    ("ip", "ip-joint-ownership", "Joint Development Agreement", "Joint ownership of jointly developed IP with no duty to account",
     """Section 8.3 Joint IP. Intellectual property conceived jointly by personnel of both parties shall be owned
     jointly, with each party holding an undivided interest. Each party may exploit and license Joint IP without the
     consent of and without a duty to account to the other party, except that neither party may grant an exclusive
     license without the other's consent. The parties shall cooperate on prosecution and share costs equally.""", [{}]),

    # ---------------- Warranties and disclaimers ----------------
    ("warr", "warr-as-is", "Software License Agreement", "Conspicuous disclaimer of implied warranties — as is",
     """Section 10.3 DISCLAIMER. EXCEPT AS EXPRESSLY SET FORTH IN SECTION 10.1, THE LICENSED SOFTWARE IS PROVIDED "AS
     IS", AND {P} DISCLAIMS ALL OTHER WARRANTIES, EXPRESS, IMPLIED OR STATUTORY, INCLUDING ANY IMPLIED WARRANTIES OF
     MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE, TITLE AND NON-INFRINGEMENT, AND ANY WARRANTIES ARISING FROM
     COURSE OF DEALING OR USAGE OF TRADE. {P} DOES NOT WARRANT THAT THE SOFTWARE WILL BE ERROR-FREE OR OPERATE WITHOUT
     INTERRUPTION.""", [{}]),
    ("warr", "warr-performance-90", "Software License Agreement", "Limited 90-day performance warranty with exclusive repair-or-refund remedy",
     """Section 10.1 Limited Warranty. {P} warrants that for ninety days after delivery the Licensed Software will
     perform substantially in accordance with the Documentation. Section 10.2 Exclusive Remedy. {C}'s exclusive remedy
     and {P}'s entire liability for breach of this warranty is, at {P}'s option, to correct the nonconformity or to
     terminate the license for the nonconforming Software and refund the license fee paid for it. The warranty does not
     apply to nonconformities caused by misuse, unauthorized modification or third-party hardware.""", [{}]),
    ("warr", "warr-services-workmanlike", "Master Services Agreement", "Services warranty — professional and workmanlike with re-performance",
     """Section 12.1 Services Warranty. {P} warrants that the Services will be performed in a professional and
     workmanlike manner in accordance with generally accepted industry standards by personnel having appropriate skill.
     {C} must notify {P} of any breach within sixty days after performance of the affected Services, in which case {P}
     shall re-perform them at no charge; if {P} fails to do so within a reasonable time, {C} may recover the fees paid
     for the nonconforming Services.""", [{}]),
    ("warr", "warr-beta", "Beta Test Agreement", "No warranty and no liability for beta features",
     """Section 4. Beta Services. Beta Features are provided for evaluation only, may contain bugs and may be modified
     or discontinued at any time. Beta Features are excluded from the service level commitments and all warranties, and
     {P}'s total liability arising from Beta Features shall not exceed one hundred dollars.""", [{}]),
    ("warr", "warr-noninfringement", "Supply Agreement", "Express warranty of title and non-infringement; survives inspection",
     """Section 11.1 Product Warranties. {P} warrants that the Products (a) will conform to the Specifications for
     twenty-four months after delivery, (b) will be free from defects in materials and workmanship, (c) will be conveyed
     with good title free of liens, and (d) will not infringe any patent, trademark or copyright. These warranties
     survive delivery, inspection, acceptance and payment, and are in addition to any warranties implied by law, which
     are not disclaimed.""", [{}]),

    # ---------------- Miscellaneous boilerplate with legal bite ----------------
    ("misc", "misc-entire-agreement", "Asset Purchase Agreement", "Entire agreement and non-reliance",
     """Section 11.4 Entire Agreement; Non-Reliance. This Agreement, the Disclosure Schedules and the Ancillary
     Agreements constitute the entire agreement of the parties. Buyer acknowledges that it has not relied on any
     representation or warranty, express or implied, other than those expressly set forth in Article III, and that
     no extra-contractual statement, including in any data room, management presentation or projection, shall form
     the basis of any claim, except a claim for fraud in the making of the express representations.""", [{}]),
    ("misc", "misc-insurance", "Master Services Agreement", "Insurance requirements and additional insured status",
     """Section 14. Insurance. During the Term {P} shall maintain commercial general liability insurance with limits of
     not less than $2,000,000 per occurrence, technology errors and omissions and cyber liability insurance of not less
     than $10,000,000 per claim, and workers' compensation as required by law. {C} shall be named as an additional
     insured on the general liability policy, and each policy shall waive subrogation against {C}.""", [{}]),
    ("misc", "misc-sla-credits", "SaaS Subscription Agreement", "Service level credits as sole remedy for downtime",
     """Section 5.2 Service Credits. If Monthly Uptime falls below 99.9%, {C} is entitled to a credit of 10% of the
     monthly fees for each full 0.5% shortfall, up to 50% of that month's fees. Service credits are {C}'s sole and
     exclusive remedy for unavailability, except that if Monthly Uptime falls below 95% in any three months of a rolling
     six-month period, {C} may terminate for cause and receive a refund of prepaid fees.""", [{}]),
    ("misc", "misc-liquidated", "Construction Services Agreement", "Liquidated damages for late substantial completion",
     """Section 9.4 Liquidated Damages. If Substantial Completion is not achieved by the Guaranteed Completion Date, as
     extended under the Contract Documents, Contractor shall pay Owner {amount} per calendar day of delay as
     liquidated damages and not as a penalty. The parties agree that Owner's actual damages would be difficult to
     determine and that this amount is a reasonable estimate. Liquidated damages are Owner's exclusive remedy for
     delay and shall not exceed ten percent of the Contract Sum.""", [{"amount": "$5,000"}, {"amount": "$12,500"}]),
    ("misc", "misc-nonwaiver", "Commercial Lease", "Non-waiver and no oral modification",
     """Section 27. No Waiver; Modifications. No failure or delay by Landlord in exercising any right, and no acceptance
     of Rent with knowledge of a default, shall operate as a waiver of that right or default. This Lease may be
     modified only by a written instrument signed by both parties; no course of dealing, email exchange or oral
     agreement shall modify this Lease.""", [{}]),
    ("misc", "misc-notices", "Master Services Agreement", "Notices — email not sufficient for legal notices",
     """Section 21.3 Notices. All notices of breach, termination or indemnification claims shall be in writing and
     delivered by hand, by nationally recognized overnight courier, or by certified mail, return receipt requested, to
     the address stated on the signature page. Notice by email is effective for routine operational communications
     only and does not satisfy this Section.""", [{}]),
]


# --------------------------------------------------------------------------- #
# (c) Case summaries. Landmark decisions are summarised in our own words;
#     the rest are fictional disputes with citations in realistic reporter form.
# --------------------------------------------------------------------------- #

CASES = [
    # --- landmark decisions, own-words summaries ---
    ("c-twombly", "Bell Atlantic Corp. v. Twombly, 550 U.S. 544 (2007)",
     """Consumers alleged that regional telephone carriers conspired to restrain trade in violation of Sherman Act
     § 1, relying on parallel conduct. The Court held that a complaint must plead enough facts to state a claim to
     relief that is plausible on its face, retiring the 'no set of facts' language of Conley v. Gibson. Id. at 562-63,
     570. Allegations of parallel conduct, without factual context suggesting a preceding agreement, stop short of
     the line between possibility and plausibility. Id. at 557. The decision reshaped motion practice under Fed. R.
     Civ. P. 12(b)(6)."""),
    ("c-iqbal", "Ashcroft v. Iqbal, 556 U.S. 662 (2009)",
     """A detainee sued senior federal officials alleging discriminatory confinement policies. The Court confirmed that
     the plausibility standard applies to all civil actions, not only antitrust cases, and described a two-step
     approach: disregard conclusory allegations not entitled to the assumption of truth, then ask whether the
     remaining well-pleaded facts plausibly give rise to an entitlement to relief. Id. at 678-79. Threadbare recitals
     of the elements of a cause of action do not suffice. Id. at 678. Supervisors are liable only for their own
     misconduct, not vicariously. Id. at 676."""),
    ("c-celotex", "Celotex Corp. v. Catrett, 477 U.S. 317 (1986)",
     """In a wrongful death action involving asbestos exposure, the Court held that a summary judgment movant that does
     not bear the burden of proof at trial need not negate the opponent's claim with affidavits. The movant may
     discharge its initial burden by pointing out the absence of evidence supporting an essential element of the
     nonmoving party's case, after which the nonmovant must designate specific facts showing a genuine issue for
     trial. Id. at 322-25."""),
    ("c-anderson", "Anderson v. Liberty Lobby, Inc., 477 U.S. 242 (1986)",
     """In a libel suit by a public figure, the Court explained that a dispute is 'genuine' for summary judgment
     purposes only if the evidence is such that a reasonable jury could return a verdict for the nonmoving party, and
     a fact is 'material' only if it might affect the outcome under the governing law. Id. at 248. The court must view
     the evidence through the prism of the substantive evidentiary burden, so the clear and convincing standard
     applicable to actual malice governs at summary judgment. Id. at 254-55."""),
    ("c-hertz", "Hertz Corp. v. Friend, 559 U.S. 77 (2010)",
     """The Court adopted the 'nerve center' test for a corporation's principal place of business under the diversity
     statute, 28 U.S.C. § 1332(c)(1): the place where high-level officers direct, control and coordinate the
     corporation's activities, normally its headquarters. Id. at 92-93. The Court rejected business-activity tests that
     looked to where the most sales or employees were located, emphasizing administrative simplicity in jurisdictional
     rules. The party asserting jurisdiction bears the burden of proof."""),
    ("c-strawbridge", "Strawbridge v. Curtiss, 7 U.S. (3 Cranch) 267 (1806)",
     """An early decision construing the diversity grant, read to require complete diversity: where there are multiple
     parties on each side, each plaintiff must be capable of suing each defendant in federal court, so jurisdiction
     fails if any plaintiff shares state citizenship with any defendant. The rule is statutory, not constitutional,
     which is why Congress could authorize minimal diversity for certain class actions."""),
    ("c-intlshoe", "International Shoe Co. v. Washington, 326 U.S. 310 (1945)",
     """A State sought unemployment fund contributions from a foreign corporation whose salesmen solicited orders in
     the State. The Court held that due process permits personal jurisdiction over a nonresident defendant that has
     certain minimum contacts with the forum such that maintenance of the suit does not offend traditional notions of
     fair play and substantial justice. Id. at 316. Systematic and continuous activity giving rise to the claim
     sufficed."""),
    ("c-erie", "Erie Railroad Co. v. Tompkins, 304 U.S. 64 (1938)",
     """A pedestrian injured by a passing train sued in federal court on diversity grounds. Overruling Swift v. Tyson,
     the Court held that, except in matters governed by the federal Constitution or Acts of Congress, federal courts
     sitting in diversity must apply the substantive law of the State, including its judicial decisions. 'There is no
     federal general common law.' Id. at 78."""),
    ("c-monell", "Monell v. Department of Social Services, 436 U.S. 658 (1978)",
     """Female employees challenged a policy compelling unpaid leave for pregnancy. The Court held that local
     governments are 'persons' subject to suit under 42 U.S.C. § 1983, but may not be held liable on a respondeat
     superior theory. Id. at 690-91. Municipal liability attaches only where execution of an official policy or custom
     inflicts the injury. Id. at 694."""),
    ("c-harlow", "Harlow v. Fitzgerald, 457 U.S. 800 (1982)",
     """The Court reformulated qualified immunity as an objective standard: government officials performing
     discretionary functions are shielded from civil damages liability insofar as their conduct does not violate
     clearly established statutory or constitutional rights of which a reasonable person would have known. Id. at 818.
     Eliminating the subjective good-faith inquiry was meant to permit resolution of insubstantial claims on summary
     judgment."""),
    ("c-basic", "Basic Inc. v. Levinson, 485 U.S. 224 (1988)",
     """Shareholders sued under Section 10(b) and Rule 10b-5 over public denials of merger negotiations. The Court
     held that materiality of contingent events depends on a balancing of probability and magnitude, rejecting a
     bright-line agreement-in-principle test. Id. at 238. The Court endorsed a rebuttable presumption of reliance based
     on the fraud-on-the-market theory for securities traded in an efficient market. Id. at 241-47."""),
    ("c-tellabs", "Tellabs, Inc. v. Makor Issues & Rights, Ltd., 551 U.S. 308 (2007)",
     """Construing the PSLRA's 'strong inference' of scienter requirement, the Court held that courts must consider the
     complaint in its entirety and take into account plausible opposing inferences. Id. at 322-23. A complaint survives
     only if a reasonable person would deem the inference of scienter cogent and at least as compelling as any opposing
     inference. Id. at 324."""),
    ("c-concepcion", "AT&T Mobility LLC v. Concepcion, 563 U.S. 333 (2011)",
     """Consumers challenged a class-arbitration waiver in a wireless contract as unconscionable under a California
     rule. The Court held that the Federal Arbitration Act, 9 U.S.C. § 2, preempts state rules that condition
     enforcement of arbitration agreements on the availability of classwide arbitration, because such rules interfere
     with fundamental attributes of arbitration. Id. at 344, 352."""),
    ("c-atlantic-marine", "Atlantic Marine Construction Co. v. U.S. District Court, 571 U.S. 49 (2013)",
     """A subcontract selected Virginia courts, but the subcontractor sued in Texas. The Court held that a forum-
     selection clause pointing to another federal forum is enforced through a motion to transfer under 28 U.S.C.
     § 1404(a), not dismissal for improper venue, and that the clause should be given controlling weight in all but the
     most exceptional cases. Id. at 59-60, 63. The plaintiff's choice of forum merits no weight, and private-interest
     factors are deemed to favor the preselected forum."""),
    ("c-daubert", "Daubert v. Merrell Dow Pharmaceuticals, Inc., 509 U.S. 579 (1993)",
     """In litigation over an anti-nausea drug, the Court held that the Federal Rules of Evidence superseded the
     'general acceptance' test. Trial judges act as gatekeepers who must ensure that expert testimony is both relevant
     and reliable. Id. at 589. Relevant considerations include testability, peer review and publication, known or
     potential error rate, and general acceptance. Id. at 593-94."""),
    ("c-campbell", "Campbell v. Acuff-Rose Music, Inc., 510 U.S. 569 (1994)",
     """A rap group's commercial parody of a popular ballad was challenged as infringing. The Court held that the
     commercial character of a parody does not create a presumption against fair use, and emphasized whether the new
     work is 'transformative,' adding something new with a further purpose or different character. Id. at 579. All
     four factors of 17 U.S.C. § 107 must be weighed together."""),
    ("c-alice", "Alice Corp. v. CLS Bank International, 573 U.S. 208 (2014)",
     """Claims to a computerized scheme for mitigating settlement risk were held patent-ineligible under 35 U.S.C.
     § 101. The Court applied a two-step framework: determine whether the claims are directed to an abstract idea, and
     if so, whether the elements, individually and as an ordered combination, add an inventive concept. Id. at 217-18.
     Mere recitation of a generic computer does not transform an abstract idea into a patent-eligible invention."""),
    ("c-ebay", "eBay Inc. v. MercExchange, L.L.C., 547 U.S. 388 (2006)",
     """The Court rejected a general rule that permanent injunctions issue automatically upon a finding of patent
     infringement. A plaintiff must satisfy the traditional four-factor test: irreparable injury, inadequacy of legal
     remedies, balance of hardships, and that the public interest would not be disserved. Id. at 391."""),
    ("c-stanford", "Board of Trustees of Leland Stanford Junior University v. Roche Molecular Systems, Inc., 563 U.S. 776 (2011)",
     """A researcher signed a university form in which he 'agree[d] to assign' inventions, and later signed a company
     agreement stating that he 'do[es] hereby assign' them. The Court held that the Bayh-Dole Act does not
     automatically vest title to federally funded inventions in contractors. The lower court's holding that the
     present assignment ('hereby assign') prevailed over the earlier promise to assign in the future was left intact,
     a lesson for drafting IP assignment clauses."""),
    ("c-revlon", "Revlon, Inc. v. MacAndrews & Forbes Holdings, Inc., 506 A.2d 173 (Del. 1986)",
     """When a break-up of the company became inevitable, the directors' role changed from defenders of the corporate
     bastion to auctioneers charged with getting the best price for stockholders. Id. at 182. A lock-up option and
     no-shop provision favoring one bidder, adopted to protect directors from noteholder litigation, breached the duty
     of loyalty and were enjoined."""),
    ("c-vangorkom", "Smith v. Van Gorkom, 488 A.2d 858 (Del. 1985)",
     """Directors approved a cash-out merger after a two-hour meeting, without reviewing the merger documents or
     obtaining a valuation study. The Delaware Supreme Court held the directors grossly negligent in failing to inform
     themselves of all information reasonably available, so the business judgment rule did not protect them. Id. at
     872-73. The decision prompted adoption of 8 Del. C. § 102(b)(7) exculpation provisions."""),
    ("c-hadley", "Hadley v. Baxendale (1854) 9 Exch. 341, 156 Eng. Rep. 145",
     """A mill's crankshaft was delayed in carriage, idling the mill. The court held that damages for breach of contract
     are recoverable only if they arise naturally from the breach, in the usual course of things, or were reasonably in
     the contemplation of both parties at contracting as the probable result of breach. Lost profits from the mill's
     shutdown were not recoverable because the carrier was not told the mill had no spare shaft. The case is the root
     of the direct versus consequential damages distinction in limitation clauses."""),

    # --- fictional decisions ---
    ("c-first-party-indem", "Harrow Logistics, Inc. v. Pinecrest Software Corp., 912 F.3d 301 (2d Cir. 2019) (fictional)",
     """A customer sought attorneys' fees under a vendor's indemnity after winning a breach of contract suit against
     the vendor. Applying New York law, the court held that an indemnification clause is presumed to cover only
     third-party claims unless the intention to cover suits between the contracting parties is 'unmistakably clear'
     from the language. Id. at 309. Because the clause referred to defending claims and to notice of 'claims brought by
     any person,' it did not reach first-party fee claims. Id. at 311."""),
    ("c-reverse-triangular", "Meridian Diagnostics LLC v. Ardent Biologics, Inc., 2021 WL 4410337 (Del. Ch. Sept. 27, 2021) (fictional)",
     """A licensor argued that a reverse triangular merger of its licensee violated a clause barring assignment 'by
     operation of law or otherwise.' The Court of Chancery held that a reverse triangular merger, in which the licensee
     survives as a wholly owned subsidiary, is generally not an assignment by operation of law, because the contracting
     entity remains the same. Id. at *7. Parties wanting protection against acquisitions must include an express change
     of control provision. Id. at *9."""),
    ("c-forward-merger", "Tessaract Robotics, Inc. v. Okafor & Lindqvist Engineering, P.C., 488 F. Supp. 3d 912 (N.D. Cal. 2020) (fictional)",
     """A licensee merged into its acquirer in a forward merger and the acquirer continued to use patented software.
     Under federal patent policy a nonexclusive patent license is personal and non-assignable absent consent, and the
     court held that the transfer by forward merger was an assignment requiring the licensor's consent. Id. at 921.
     Continued use after the merger infringed. Id. at 925."""),
    ("c-noncompete-overbroad", "Bellweather Health Systems, Inc. v. Dana Ruiz, 154 N.E.3d 688 (Ill. App. Ct. 2020) (fictional)",
     """A hospital system sought to enforce a two-year, nationwide non-compete against a departing nurse practitioner.
     The court held the covenant unreasonable as to duration and territory because the employee served patients in a
     single county and had no access to strategic information. Id. at 696. The court declined to blue-pencil the
     covenant, reasoning that extensive judicial rewriting would encourage employers to draft overbroad restraints.
     Id. at 698."""),
    ("c-noncompete-sale", "Calloway Retail Group, LLC v. Vance Hardware Co., 312 Ga. App. 455 (2021) (fictional)",
     """Following an asset sale, the seller opened a competing store eleven miles away. The court enforced a five-year
     non-compete given by the seller, holding that covenants ancillary to the sale of a business and its goodwill are
     subject to less stringent scrutiny than employment covenants, because the buyer paid for goodwill and the parties
     bargained at arm's length. Id. at 461."""),
    ("c-california-choice", "Quillon Software Ltd. v. Priya Natarajan, 87 Cal. App. 5th 1021 (2023) (fictional)",
     """An employer sought to enforce a Delaware-law non-compete and Delaware forum clause against an engineer who lived
     and worked in California. The court held the non-compete void under Business and Professions Code section 16600
     and refused to enforce the choice-of-law and forum clauses, which would have circumvented a fundamental California
     policy. Id. at 1030-31. Labor Code section 925 independently barred the out-of-state forum."""),
    ("c-fm-pandemic", "Keystone Freight Partners, L.P. v. Silverline Payments, Inc., 203 A.D.3d 512 (N.Y. App. Div. 2022) (fictional)",
     """A tenant argued that pandemic-related government orders excused rent under a force majeure clause. The court
     held that force majeure clauses are construed narrowly and excuse performance only for events specifically listed
     or of the same kind. Id. at 513. Although the clause listed 'governmental orders,' it expressly excluded the
     obligation to pay rent, so the tenant's payment obligation was not suspended. The frustration of purpose doctrine
     also failed because the premises remained usable for some purposes."""),
    ("c-fm-cost", "Meridian Grain Cooperative v. Lumen Cloud Services, Inc., 57 F.4th 220 (8th Cir. 2023) (fictional)",
     """A supplier invoked force majeure after a drought tripled the price of grain. The court held that an increase in
     the cost of performance, even a dramatic one, is not a force majeure event unless the clause says so; the supplier
     assumed market risk by agreeing to a fixed price. Id. at 226. The supplier's impracticability defense under U.C.C.
     § 2-615 failed for the same reason."""),
    ("c-gross-negligence", "Silverline Payments, Inc. v. Redfern Insurance Co., 146 A.3d 1189 (Md. 2021) (fictional)",
     """A payment processor's liability cap excluded claims for 'gross negligence.' After an unpatched server led to a
     breach, the customer argued the exclusion applied. The court defined gross negligence as an intentional failure to
     perform a manifest duty in reckless disregard of consequences, and held that ignoring repeated vulnerability
     warnings for eight months could meet that standard, so the cap did not bar the claim as a matter of law.
     Id. at 1198-99."""),
    ("c-lost-profits", "Pinecrest Logistics Corp. v. Tessaract Robotics, Inc., 978 F.3d 115 (3d Cir. 2020) (fictional)",
     """A warehouse operator sued for lost profits after automation robots failed. The contract excluded 'consequential
     damages, including lost profits.' The court held that lost profits can be direct damages when they flow naturally
     from the breach, but the parties' express inclusion of lost profits in the exclusion barred recovery of all lost
     profits, direct or consequential. Id. at 122. The customer recovered only the cost of replacement equipment."""),
    ("c-failure-essential", "Ardent Biologics, Inc. v. Vantage Point Media Holdings, LLC, 401 F. Supp. 3d 733 (D. Mass. 2019) (fictional)",
     """A licensee's exclusive remedy was repair or replacement of defective laboratory software. After eleven failed
     patches over fourteen months, the court held that the limited remedy failed of its essential purpose under U.C.C.
     § 2-719(2). Id. at 741. Following the majority 'independent' approach, however, the separate exclusion of
     consequential damages remained enforceable because it was not unconscionable between sophisticated parties.
     Id. at 744."""),
    ("c-disclaimer-conspicuous", "Okafor & Lindqvist Engineering, P.C. v. Calloway Retail Group, LLC, 2018 UT App 77, 424 P.3d 1101 (fictional)",
     """A buyer of commercial HVAC units claimed breach of the implied warranty of merchantability. The seller relied on
     a disclaimer printed in the same small, lower-case type as the surrounding terms on the back of the invoice. The
     court held the disclaimer ineffective because it was not conspicuous as U.C.C. § 2-316 requires; a reasonable
     person would not have noticed it. Id. ¶¶ 19-22."""),
    ("c-mfn-breach", "Redfern Insurance Co. v. Harbor Ridge Capital LLC, 2022 WL 1788423 (S.D.N.Y. June 2, 2022) (fictional)",
     """An insurer alleged that a claims-processing vendor breached a most-favored-customer clause by giving a competitor
     lower per-claim pricing. The court denied the vendor's motion to dismiss, holding that the insurer plausibly
     alleged the other customer was 'similarly situated' despite different contract lengths, because volume and
     service scope were comparable. Id. at *4. Whether bundled discounts counted as lower 'prices' was a fact question.
     Id. at *5."""),
    ("c-audit-refusal", "Northwind Analytics, Inc. v. Brightwater Municipal Utility District, 311 F. Supp. 3d 602 (D. Or. 2018) (fictional)",
     """A software licensor sought specific performance of a license audit clause after the licensee refused access to
     its servers. The court granted the injunction, holding that an audit right is a bargained-for means of verifying
     compliance whose loss cannot be adequately compensated in damages, and that the licensee's concerns about
     operational disruption were addressed by the clause's notice and business-hours limits. Id. at 610."""),
    ("c-tfc-good-faith", "Lumen Cloud Services, Inc. v. Keystone Freight Partners, L.P., 2020 WL 6131882 (Tex. App. Oct. 15, 2020) (fictional)",
     """A customer terminated a five-year hosting contract for convenience after three months and moved to a cheaper
     provider. The provider argued termination in bad faith. The court held that an unconditional termination for
     convenience clause may be exercised for any reason, and the implied covenant of good faith cannot override an
     express contractual right. Id. at *3. The provider recovered only the contractual termination fee."""),
    ("c-cure-notice", "Vantage Point Media Holdings, LLC v. Quillon Software Ltd., 129 A.3d 211 (Conn. App. Ct. 2021) (fictional)",
     """A licensee terminated for material breach without first giving the notice and thirty-day cure period required by
     the agreement. The court held that strict compliance with a contractual notice-and-cure provision is a condition
     precedent to termination for cause, unless cure would be futile. Id. at 219. The wrongful termination was itself a
     repudiation entitling the licensor to damages."""),
    ("c-confidential-residuals", "Harbor Ridge Capital LLC v. Lumen Cloud Services, Inc., 2019 WL 3302114 (Del. Super. Ct. July 23, 2019) (fictional)",
     """An investor claimed that a cloud provider used its proprietary trading methodology learned during a pilot. The
     provider invoked a residuals clause. The court held the clause did not protect use of detailed parameters that
     employees had written down in internal tickets, because residuals were limited to information retained in unaided
     memory without reference to any record. Id. at *6."""),
    ("c-dtsa-injunction", "Ardent Biologics, Inc. v. Marcus Feld, 2023 WL 2284410 (D.N.J. Feb. 28, 2023) (fictional)",
     """A biotech company sought to enjoin a former scientist from joining a competitor under the Defend Trade Secrets
     Act. The court granted a narrow injunction barring use or disclosure of specific cell-line protocols, but refused to
     bar employment itself, noting that 18 U.S.C. § 1836(b)(3)(A)(i) forbids injunctions that prevent a person from
     entering an employment relationship based merely on information the person knows. Id. at *8."""),
    ("c-arbitration-delegation", "Silverline Payments, Inc. v. Teodoro Alves, 64 F.4th 1045 (9th Cir. 2023) (fictional)",
     """A cardholder argued his claims fell outside an online arbitration agreement. The agreement incorporated the AAA
     Consumer Rules, which empower the arbitrator to rule on arbitrability. The court held that incorporation of AAA
     rules is clear and unmistakable evidence of intent to delegate arbitrability, at least between parties of some
     sophistication and where notice of the terms was adequate. Id. at 1051-52. The court compelled arbitration."""),
    ("c-clickwrap", "Vantage Point Media Holdings, LLC, In re, 22 F.4th 874 (7th Cir. 2022) (fictional)",
     """Users challenged arbitration in a streaming service's terms. The terms were presented by a hyperlink beneath the
     'Start Free Trial' button in small grey text. The court held that no agreement was formed because the notice was not
     reasonably conspicuous and the button did not unambiguously manifest assent to the terms. Id. at 881. Browsewrap-
     style presentations are enforceable only where the user has actual or inquiry notice."""),
    ("c-diversity-llc", "Keystone Freight Partners, L.P. v. Brightwater Municipal Utility District, 799 F.3d 1040 (10th Cir. 2015) (fictional)",
     """A limited partnership invoked diversity jurisdiction against a municipal district. The court held that for
     purposes of 28 U.S.C. § 1332 a partnership, like a limited liability company, takes the citizenship of each of its
     partners or members, traced through every layer, and that a political subdivision of a State is a citizen of that
     State. Because one limited partner was a citizen of the defendant's State, complete diversity was lacking and the
     case was dismissed. Id. at 1046-47."""),
    ("c-amount-controversy", "Redfern Insurance Co. v. Tomas Ibarra, 615 F. App'x 301 (5th Cir. 2016) (fictional)",
     """An insurer sought a declaration of no coverage. The court held that in declaratory actions the amount in
     controversy is measured by the value of the object of the litigation, here the policy limits and potential
     defense costs, which exceeded $75,000. Id. at 303. The insured's argument that his actual damages were smaller did
     not defeat jurisdiction, as it did not appear to a legal certainty that the claim was for less."""),
    ("c-1983-deliberate", "Dominguez v. City of Brightwater, 873 F.3d 1118 (9th Cir. 2017) (fictional)",
     """An arrestee alleged that the City failed to train officers on handling persons in mental health crisis. Applying
     Monell and City of Canton, the court held that inadequate training supports municipal liability under 42 U.S.C.
     § 1983 only where the failure amounts to deliberate indifference, usually shown by a pattern of similar
     violations. Id. at 1125. A single prior incident was insufficient, and the claim against the City was dismissed,
     while the claim against the individual officers proceeded."""),
    ("c-qualified-immunity", "Reyes v. Halvorsen, 941 F.3d 668 (6th Cir. 2019) (fictional)",
     """A protester sued a deputy for using a taser on her while she was handcuffed and compliant. The court denied
     qualified immunity, holding that a reasonable officer would have known from circuit precedent that tasing a
     restrained, non-resisting person violates the Fourth Amendment, so the right was clearly established. Id. at 674.
     Precedent need not involve identical facts where the unlawfulness is apparent."""),
    ("c-10b5-puffery", "In re Tessaract Robotics Securities Litigation, 412 F. Supp. 3d 290 (S.D.N.Y. 2019) (fictional)",
     """Shareholders alleged that a company's statements that its product pipeline was 'robust' and 'on track' were
     false. The court dismissed most claims, holding generalized optimism to be non-actionable puffery, but sustained a
     claim based on a specific statement that FDA-style safety testing was 'complete' when internal reports showed it
     had been halted. Scienter was adequately alleged because the CFO received the reports. Id. at 301-03."""),
    ("c-loss-causation", "Anand v. Silverline Payments, Inc., 18 F.4th 902 (2d Cir. 2021) (fictional)",
     """Investors alleged that the company concealed a regulatory investigation. The court affirmed dismissal for
     failure to plead loss causation under Section 10(b), because the share price fell on the day of a general earnings
     miss, not on any corrective disclosure revealing the concealed investigation. Id. at 909. A plaintiff must connect
     the economic loss to the revelation of the truth."""),
    ("c-12b6-contract", "Northwind Analytics, Inc. v. Harbor Ridge Capital LLC, 2020 WL 7211184 (S.D.N.Y. Dec. 7, 2020) (fictional)",
     """A vendor sued for unpaid fees and the customer moved to dismiss under Rule 12(b)(6), arguing the complaint did
     not attach the contract. The court denied the motion, holding that a breach of contract claim need only allege the
     existence of an agreement, the plaintiff's performance, the defendant's breach and damages, and need not quote or
     attach the contract, though it must identify the provisions breached. Id. at *3. The claim for an implied covenant
     breach was dismissed as duplicative."""),
    ("c-ucc-battle-forms", "Pinecrest Logistics Corp. v. Meridian Grain Cooperative, 250 N.W.2d 612 (Neb. 2022) (fictional)",
     """A buyer's purchase order was silent on remedies; the seller's acknowledgment added an exclusion of consequential
     damages. The court held that, between merchants, the added exclusion was a material alteration under U.C.C.
     § 2-207(2)(b) because it would result in surprise or hardship if incorporated without express awareness, so it did
     not become part of the contract. Id. at 619."""),
    ("c-choice-of-law-tort", "Bellweather Health Systems, Inc. v. Lumen Cloud Services, Inc., 305 A.3d 90 (Del. 2023) (fictional)",
     """A contract provided that it 'shall be governed by' Delaware law. The plaintiff asserted fraud claims under
     another state's law. The court held that a narrow choice-of-law clause covering only the agreement itself does not
     reach related tort claims, whereas a clause covering all claims 'arising out of or relating to' the agreement
     would. Id. at 98. The fraud claim was governed by the law of the state with the most significant relationship."""),
    ("c-anti-reliance", "Tessaract Robotics, Inc. v. Pinecrest Logistics Corp., 2022 WL 950311 (Del. Ch. Mar. 30, 2022) (fictional)",
     """A buyer claimed the seller's management presentation overstated backlog. The purchase agreement contained an
     express non-reliance clause. The court dismissed extra-contractual fraud claims, holding that a clear anti-reliance
     clause bars claims based on representations outside the agreement, but a buyer may still sue for fraud in the
     express representations themselves. Id. at *11."""),
    ("c-liquidated-penalty", "Brightwater Municipal Utility District v. Keystone Freight Partners, L.P., 2019 ME 88, 210 A.3d 795 (fictional)",
     """A contractor challenged a $20,000 per day delay charge as a penalty. The court enforced the clause, holding that
     liquidated damages are valid where actual damages were difficult to estimate at contracting and the amount was a
     reasonable forecast, even if actual losses later proved smaller. Id. ¶ 14. The owner's lost use of a water plant
     was inherently hard to quantify."""),
]


# --------------------------------------------------------------------------- #
# (d) Defined terms. Several variants of the same term differ in scope.
# --------------------------------------------------------------------------- #

DEFINITIONS = [
    ("d-affiliate-50", "Definition — \"Affiliate\" (control by more than 50% voting ownership)",
     """"Affiliate" means, with respect to a party, any entity that directly or indirectly controls, is controlled by,
     or is under common control with that party, for so long as such control exists. For purposes of this definition,
     "control" means direct or indirect ownership of more than fifty percent of the voting securities or other
     ownership interests of the entity."""),
    ("d-affiliate-power", "Definition — \"Affiliate\" (control by power to direct management; excludes portfolio companies)",
     """"Affiliate" means any Person that directly or indirectly, through one or more intermediaries, controls, is
     controlled by or is under common control with the specified Person, where "control" means the possession of the
     power to direct or cause the direction of the management and policies of a Person, whether through ownership of
     voting securities, by contract or otherwise. Notwithstanding the foregoing, no portfolio company of any investment
     fund managed by Harbor Ridge shall be deemed an Affiliate of Buyer."""),
    ("d-affiliate-existing", "Definition — \"Affiliate\" (limited to entities existing at the Effective Date)",
     """"Affiliate" means any entity controlling, controlled by or under common control with a party as of the
     Effective Date. Entities that become affiliated with a party after the Effective Date, including by acquisition,
     are Affiliates only if the other party so agrees in writing."""),
    ("d-coc", "Definition — \"Change of Control\"",
     """"Change of Control" means (a) any transaction or series of related transactions in which any Person or group
     acquires beneficial ownership of more than fifty percent of the voting power of a party; (b) a merger,
     consolidation or reorganization of a party after which the holders of its voting securities immediately before
     hold less than fifty percent of the voting power of the surviving entity; or (c) a sale of all or substantially all
     of a party's assets. An initial public offering is not a Change of Control."""),
    ("d-coc-board", "Definition — \"Change in Control\" (board turnover prong)",
     """"Change in Control" has the meaning given in the Company's 2024 Equity Incentive Plan and also includes the date
     on which a majority of the members of the Board is replaced during any twelve-month period by directors whose
     appointment or election is not endorsed by a majority of the Board before the date of the appointment or
     election."""),
    ("d-confidential", "Definition — \"Confidential Information\" (marked or reasonably understood)",
     """"Confidential Information" means all non-public information disclosed by or on behalf of a party, in any form,
     that is marked as confidential or that a reasonable person would understand to be confidential given the nature
     of the information and the circumstances of disclosure, including business plans, source code, pricing, customer
     lists and the terms of this Agreement. Oral disclosures need not be confirmed in writing."""),
    ("d-confidential-marked", "Definition — \"Confidential Information\" (must be marked; oral disclosures confirmed in 30 days)",
     """"Confidential Information" means information disclosed by the Discloser to the Recipient that, if in tangible
     form, is clearly marked "Confidential" at the time of disclosure, or, if disclosed orally or visually, is
     identified as confidential at the time of disclosure and summarized in a writing marked "Confidential" delivered to
     the Recipient within thirty days after disclosure."""),
    ("d-losses", "Definition — \"Losses\" (including attorneys' fees; excluding punitive damages)",
     """"Losses" means all losses, liabilities, damages, deficiencies, judgments, settlements, interest, awards,
     penalties, fines, costs and expenses of whatever kind, including reasonable attorneys' fees and the cost of
     enforcing any right to indemnification, but excluding punitive or exemplary damages except to the extent actually
     paid to a third party."""),
    ("d-losses-no-diminution", "Definition — \"Losses\" (excluding diminution in value and multiples)",
     """"Losses" means actual out-of-pocket losses, damages and expenses, including reasonable attorneys' fees, but
     excluding (a) consequential, special or punitive damages, (b) damages based on diminution in value or on any
     multiple of earnings, revenue or other metric, and (c) any amount to the extent reflected in the calculation of
     the Final Closing Working Capital."""),
    ("d-ip-rights", "Definition — \"Intellectual Property Rights\"",
     """"Intellectual Property Rights" means all rights anywhere in the world in and to patents and patent applications,
     copyrights and works of authorship (including software), trademarks, service marks, trade dress and domain names
     together with the goodwill associated with them, trade secrets and know-how, database rights, design rights,
     moral rights, and all registrations, renewals, extensions and applications for any of the foregoing."""),
    ("d-business-day", "Definition — \"Business Day\"",
     """"Business Day" means any day other than a Saturday, a Sunday or a day on which commercial banks in New York, New
     York are authorized or required by law to close. Where any period ends on a day that is not a Business Day, it is
     extended to the next Business Day."""),
    ("d-person", "Definition — \"Person\"",
     """"Person" means any individual, corporation, partnership, limited liability company, joint venture, association,
     trust, unincorporated organization, Governmental Authority or other entity."""),
    ("d-mae", "Definition — \"Material Adverse Effect\" (with carve-outs for general economic conditions)",
     """"Material Adverse Effect" means any event, change or effect that, individually or in the aggregate, is or would
     reasonably be expected to be materially adverse to the business, results of operations or financial condition of
     the Company, taken as a whole; provided that none of the following shall be taken into account: (a) changes in
     general economic, political or financial market conditions; (b) changes affecting the industry generally; (c)
     changes in law or GAAP; (d) acts of war, terrorism, pandemics or natural disasters; (e) the announcement of this
     Agreement; or (f) any failure to meet projections (but not the underlying causes), except, in the case of (a)
     through (d), to the extent the Company is disproportionately affected relative to industry peers."""),
    ("d-knowledge", "Definition — \"Knowledge of the Company\" (actual knowledge after due inquiry)",
     """"Knowledge of the Company" means the actual knowledge of the individuals listed on Schedule 1.1(a), after
     reasonable inquiry of their direct reports who would reasonably be expected to have knowledge of the matter in
     question. No constructive or imputed knowledge of any other person shall be attributed to the Company."""),
    ("d-gross-negligence", "Definition — \"Gross Negligence\"",
     """"Gross Negligence" means any act or failure to act, whether sole, joint or concurrent, by a party that was
     intended to cause, or was in reckless disregard of or wanton indifference to, harmful consequences that such party
     knew, or should have known, such act or failure would have on the safety or property of another Person."""),
    ("d-personal-data", "Definition — \"Personal Data\" and \"Security Incident\"",
     """"Personal Data" means any information relating to an identified or identifiable natural person that {P}
     processes on behalf of {C} in providing the Services. "Security Incident" means a breach of security leading to
     the accidental or unlawful destruction, loss, alteration, unauthorized disclosure of, or access to, Personal Data
     transmitted, stored or otherwise processed by {P} or its Sub-processors."""),
    ("d-cause", "Definition — \"Cause\" (executive termination)",
     """"Cause" means the Executive's (a) conviction of, or plea of no contest to, a felony; (b) willful and continued
     failure to perform material duties after written notice and thirty days to cure; (c) fraud or embezzlement against
     the Company; or (d) material breach of the Restrictive Covenants Agreement. No act or failure to act is "willful" if
     done in good faith and with a reasonable belief that it was in the Company's best interest."""),
    ("d-good-reason", "Definition — \"Good Reason\"",
     """"Good Reason" means, without the Executive's written consent, (a) a material reduction in base salary, (b) a
     material diminution in title, authority or duties, or (c) relocation of the principal place of employment by more
     than fifty miles, in each case only if the Executive gives notice within ninety days of the initial occurrence, the
     Company fails to cure within thirty days, and the Executive resigns within thirty days after the cure period ends."""),
    ("d-competing-business", "Definition — \"Competing Business\"",
     """"Competing Business" means any Person engaged, or actively planning to engage, in the design, development or sale
     of cloud-based revenue management software for hospitals and physician groups, but excluding any diversified
     enterprise in which such activity accounts for less than five percent of consolidated revenues, provided the
     Employee does not work in that line of business."""),
    ("d-deliverables", "Definition — \"Deliverables\" and \"Work Product\"",
     """"Deliverables" means all documents, software, reports and other materials that {P} is required to deliver to
     {C} under a Statement of Work. "Work Product" means Deliverables together with all inventions, discoveries and
     improvements conceived or first reduced to practice by {P}'s personnel in performing the Services, but excluding
     Provider Materials."""),
    ("d-net-sales", "Definition — \"Net Sales\" (royalty base)",
     """"Net Sales" means the gross amounts invoiced by Licensee and its sublicensees for sales of Licensed Products to
     unaffiliated third parties, less (a) trade, quantity and cash discounts actually allowed, (b) credits for returns
     and rejections, (c) sales, use and value-added taxes separately stated, and (d) freight and insurance separately
     charged, such deductions not to exceed ten percent of gross amounts in any calendar quarter."""),
    ("d-fundamental-reps", "Definition — \"Fundamental Representations\"",
     """"Fundamental Representations" means the representations and warranties in Sections 3.1 (Organization), 3.2
     (Authority; Enforceability), 3.4 (Capitalization), 3.17 (Taxes) and 3.22 (Brokers). Claims for breach of
     Fundamental Representations survive until sixty days after expiration of the applicable statute of limitations and
     are not subject to the Deductible or the General Cap."""),
    ("d-force-majeure", "Definition — \"Force Majeure Event\" (general catch-all)",
     """"Force Majeure Event" means any event or circumstance beyond the reasonable control of the affected party that
     could not have been avoided through the exercise of reasonable diligence, including fire, flood, storm, epidemic,
     strike (other than of the affected party's own workforce), embargo, cyberattack not attributable to the affected
     party's failure to maintain commercially reasonable security, and any act of a governmental authority."""),
    ("d-subprocessor", "Definition — \"Sub-processor\"",
     """"Sub-processor" means any third party engaged by {P} or its Affiliates that processes Personal Data on behalf of
     {C}, excluding {P}'s employees and individual contractors. {P} shall maintain a list of Sub-processors and give
     {C} at least thirty days' notice before authorizing a new Sub-processor, during which {C} may object on reasonable
     data protection grounds."""),
    ("d-open-source", "Definition — \"Open Source Software\" and \"Copyleft License\"",
     """"Open Source Software" means software distributed under a license approved by the Open Source Initiative or
     similar free or community license. "Copyleft License" means any license that requires, as a condition of use,
     modification or distribution, that the software or other software combined or distributed with it be disclosed or
     distributed in source code form, licensed for the purpose of making derivative works, or redistributable at no
     charge, including the GNU General Public License and the GNU Affero General Public License."""),
    ("d-governmental-authority", "Definition — \"Governmental Authority\" and \"Law\"",
     """"Governmental Authority" means any federal, state, local or foreign government or political subdivision, or any
     agency, regulatory or administrative authority, court, tribunal or arbitral body. "Law" means any statute, law,
     ordinance, regulation, rule, code, order, constitution, treaty, common law, judgment or decree of any Governmental
     Authority."""),
    ("d-willful-breach", "Definition — \"Willful Breach\"",
     """"Willful Breach" means a material breach that is the consequence of a deliberate act or deliberate failure to act
     by the breaching party with actual knowledge that the taking of such act or failure to act would, or would
     reasonably be expected to, constitute a breach of this Agreement. Liability for Willful Breach survives termination
     of this Agreement and is not limited to the Reverse Termination Fee."""),
]


# --------------------------------------------------------------------------- #
# (e) Amendments that refer back to sections of an original agreement.
# --------------------------------------------------------------------------- #

AMENDMENTS = [
    ("a-cap-increase", "First Amendment to SaaS Subscription Agreement — increase of liability cap",
     """FIRST AMENDMENT. This First Amendment is entered into as of March 1, 2025 between {P} and {C} and amends the SaaS
     Subscription Agreement dated June 15, 2023 (the "Agreement"). 1. Section 12.2 of the Agreement is hereby amended by
     deleting the words "the fees paid and payable by Customer in the twelve (12) months preceding the event giving
     rise to the claim" and replacing them with "the greater of (a) $5,000,000 and (b) two times the fees paid and
     payable by Customer in the twelve (12) months preceding the event giving rise to the claim". 2. Except as expressly
     amended, the Agreement remains in full force and effect."""),
    ("a-add-data-carveout", "Amendment No. 2 to Master Services Agreement — data breach carve-out from the cap",
     """AMENDMENT NO. 2. Effective as of the Amendment Effective Date, the Master Services Agreement between {P} and {C}
     is amended as follows: (a) Section 13.3 is amended by adding a new clause (d): "(d) Losses arising from a Security
     Incident caused by Provider's breach of Section 8, which shall be subject to a separate aggregate cap equal to
     three times the fees paid in the twelve months preceding the Security Incident"; and (b) the definition of
     "Security Incident" in Exhibit A is deleted and replaced with the definition set out in the Data Processing
     Addendum. All other terms remain unchanged."""),
    ("a-governing-law-change", "Second Amendment to Supply Agreement — change of governing law from Texas to New York",
     """SECOND AMENDMENT. The parties agree that Section 21 (Governing Law) of the Supply Agreement dated August 4, 2021
     is deleted in its entirety and replaced with the following: "21. Governing Law. This Agreement shall be governed
     by the laws of the State of New York, without regard to its conflict of laws principles other than Section 5-1401
     of the General Obligations Law. The parties submit to the exclusive jurisdiction of the courts located in New York
     County." The change applies to claims arising after the date of this Second Amendment; claims arising before that
     date remain governed by Texas law."""),
    ("a-extend-term", "Amendment to Consulting Agreement — extension of term and rate increase",
     """AMENDMENT. 1. Term. Section 2.1 of the Consulting Agreement is hereby amended to extend the Term through
     December 31, 2027. 2. Fees. Exhibit B (Rate Card) is amended to increase each hourly rate by four percent effective
     January 1, 2026. 3. Termination for Convenience. Section 12.1 is amended by replacing "sixty days'" with "thirty
     days'". 4. Ratification. Except as set forth herein, the Consulting Agreement is ratified and confirmed and
     continues in full force and effect."""),
    ("a-tfc-removed", "Third Amendment to Master Services Agreement — deletion of customer termination for convenience",
     """THIRD AMENDMENT. In consideration of the volume discount set forth in Section 3 of this Third Amendment, the
     parties agree that Section 16.2 (Termination for Convenience) of the Master Services Agreement is hereby deleted
     in its entirety and replaced with "[Intentionally Omitted]". Customer acknowledges that after the date hereof it
     may terminate the Agreement only for cause under Section 16.1. Any Statement of Work executed before this Third
     Amendment remains terminable on the terms in effect when it was executed."""),
    ("a-assignment-consent", "Consent to Assignment and Amendment — license assigned to acquirer",
     """CONSENT AND AMENDMENT. {P} hereby consents, pursuant to Section 16.3 of the Software License Agreement, to the
     assignment of the Agreement by {C} to Northgate Holdings, Inc. in connection with the merger described in the
     Recitals, on condition that (a) the assignee assumes all obligations of {C} in writing, (b) the number of
     Authorized Users is not increased without purchase of additional licenses, and (c) {C} remains jointly and
     severally liable for fees accrued before the assignment. Section 16.3 is further amended to provide that any
     subsequent Change of Control shall require {P}'s consent."""),
    ("a-noncompete-narrow", "Amendment to Employment Agreement — narrowing of the non-compete",
     """AMENDMENT TO EMPLOYMENT AGREEMENT. The Company and Employee agree that Section 8.1 (Non-Competition) of the
     Employment Agreement is amended by (i) reducing the restricted period from twelve months to six months after the
     Separation Date, (ii) limiting the restricted territory to the States of Illinois and Indiana, and (iii) adding
     that the covenant shall not apply if Employee's employment is terminated by the Company without Cause. As
     consideration, the Company shall pay Employee a one-time bonus of $5,000."""),
    ("a-mfn-add", "Amendment No. 1 to Supply Agreement — addition of most favored customer clause",
     """AMENDMENT NO. 1. The Supply Agreement is amended by inserting the following new Section 5.4 after Section 5.3:
     "5.4 Most Favored Customer. Supplier represents that the prices charged to Buyer are no higher than those charged
     to any other customer purchasing comparable Products in similar volumes. If Supplier offers lower prices to any
     such customer, Supplier shall extend those prices to Buyer from the date first offered." Existing Section 5.4 is
     renumbered as Section 5.5, and cross-references are updated accordingly."""),
    ("a-fm-pandemic", "Amendment to Supply Agreement — adding epidemics to force majeure",
     """AMENDMENT. Section 19 (Force Majeure) of the Supply Agreement is amended by inserting after the words "natural
     disaster, war, acts of terrorism and embargo" the words ", epidemic, pandemic and public health orders of any
     governmental authority". The parties agree that this amendment applies prospectively only and does not excuse
     any delay in delivery occurring before the date of this Amendment. The exclusion of increased costs from Force
     Majeure Events is unaffected."""),
    ("a-dpa-scc", "Amendment to Data Processing Addendum — incorporation of standard contractual clauses",
     """AMENDMENT TO DPA. The Data Processing Addendum is amended by adding a new Section 12 (International Transfers):
     "To the extent {P} processes Personal Data originating in the European Economic Area in a country that has not
     received an adequacy decision, the Standard Contractual Clauses (Module Two: controller to processor) are
     incorporated by reference, with Ireland as the governing law and forum of Clause 17 and Clause 18." Annex II
     (Technical and Organisational Measures) is replaced by the version attached to this amendment."""),
    ("a-sla-change", "Amendment No. 3 to SaaS Subscription Agreement — revised uptime commitment and credits",
     """AMENDMENT NO. 3. Section 5.2 (Service Credits) of the Agreement is amended by (a) replacing "99.9%" with
     "99.95%", (b) increasing the maximum monthly credit from 50% to 100% of that month's fees, and (c) deleting the
     words "sole and exclusive remedy" and inserting "sole monetary remedy, without prejudice to Customer's right to
     terminate under Section 13.2". Section 5.3 (Exclusions) is amended to exclude scheduled maintenance only if notice
     is given at least seventy-two hours in advance."""),
    ("a-audit-frequency", "Amendment to Patent License Agreement — audit frequency and interest rate",
     """AMENDMENT. Section 5.6 (Audit) of the Patent License Agreement is hereby amended as follows: (a) the words "no
     more than once per calendar year" are replaced with "no more than twice per calendar year"; (b) the cost-shifting
     threshold is reduced from five percent to three percent; and (c) interest on any underpayment shall accrue at the
     prime rate published in The Wall Street Journal plus two percent. Records shall be retained for five years rather
     than three."""),
    ("a-ip-ownership", "Amendment to Master Services Agreement — customer ownership of jointly developed models",
     """AMENDMENT. Section 11 of the Master Services Agreement is amended by adding new Section 11.5: "Notwithstanding
     Section 11.2, all machine learning models trained on Customer Data, and all weights, parameters and derivatives
     thereof, shall be Deliverables owned exclusively by Customer, and Provider hereby assigns to Customer all right,
     title and interest therein. Provider Materials used to train such models remain Provider's property." Section 10.4
     (Feedback) does not apply to Customer Data."""),
    ("a-indem-procedure", "Amendment to Master Services Agreement — settlement consent and counsel",
     """AMENDMENT. Section 10.4 (Procedure) of the Master Services Agreement is amended by (a) deleting "not to be
     unreasonably withheld" so that the Indemnified Party's consent to any settlement admitting fault is in its sole
     discretion, and (b) adding: "If the Indemnifying Party does not assume the defense within fifteen days after notice,
     or if a conflict of interest exists, the Indemnified Party may retain separate counsel at the Indemnifying Party's
     expense." """),
    ("a-lease-assignment", "First Amendment to Lease — permitted transfers to affiliates",
     """FIRST AMENDMENT TO LEASE. Section 14.1 (Transfer) of the Lease is amended by adding at the end: "Notwithstanding
     the foregoing, Tenant may assign this Lease or sublet the Premises without Landlord's consent to (a) an Affiliate of
     Tenant, or (b) an entity resulting from a merger or consolidation with Tenant or acquiring substantially all of
     Tenant's assets, provided that the transferee's tangible net worth after the transfer is at least equal to Tenant's
     immediately before it." Landlord waives its recapture right under Section 14.4 for such Permitted Transfers."""),
    ("a-payment-terms", "Amendment to Supply Agreement — extended payment terms and early-pay discount",
     """AMENDMENT. Section 7.2 (Payment Terms) is amended by replacing "net thirty (30) days" with "net seventy-five (75)
     days". Buyer may elect to pay any invoice within ten days of receipt in exchange for a discount of one and one-half
     percent. Late payments bear interest at the lesser of one percent per month or the maximum rate permitted by law.
     Section 22.4 is amended to permit Supplier to assign receivables to its supply-chain finance provider."""),
    ("a-confidentiality-term", "Amendment to Mutual Nondisclosure Agreement — extended confidentiality period",
     """AMENDMENT TO NDA. The parties agree that Section 8 (Term) of the Mutual Nondisclosure Agreement is amended so that
     each party's obligations with respect to Confidential Information disclosed during the Evaluation Period continue
     for five years after the date of disclosure, instead of two years, and indefinitely for source code and trade
     secrets. The parties further agree that the Recipient may disclose Confidential Information to its financing
     sources that are bound by written confidentiality obligations."""),
    ("a-warranty-extend", "Amendment to Software License Agreement — extended warranty period",
     """AMENDMENT. Section 10.1 (Limited Warranty) of the Software License Agreement is amended by replacing "ninety days"
     with "twelve months". Section 10.2 (Exclusive Remedy) is amended to add that if Licensor fails to correct a
     nonconformity within thirty days after notice, Licensee may terminate the Agreement and receive a refund of all
     license fees paid for the nonconforming Software less straight-line depreciation over five years."""),
    ("a-waiver-letter", "Waiver and Limited Amendment — one-time waiver of change of control termination right",
     """WAIVER LETTER. Reference is made to Section 12.4 (Change of Control) of the Strategic Alliance Agreement. {P}
     hereby waives, solely with respect to the acquisition of {C} by Keystone Freight Partners, L.P. announced on
     February 3, 2026, its right to terminate the Agreement under Section 12.4. This waiver does not apply to any later
     Change of Control. In consideration, Section 4.1 is amended to extend {C}'s minimum purchase commitment by two
     years."""),
    ("a-insurance-increase", "Amendment No. 4 to Master Services Agreement — increased cyber insurance limits",
     """AMENDMENT NO. 4. Section 14 (Insurance) of the Master Services Agreement is amended by replacing "$10,000,000 per
     claim" with "$25,000,000 per claim and in the aggregate" and by adding that Provider shall deliver certificates of
     insurance within ten days of each policy renewal. Provider shall give thirty days' prior notice of cancellation or
     material reduction of any required policy."""),
    ("a-arbitration-add", "Amendment to Master Services Agreement — replacing litigation with arbitration",
     """AMENDMENT. Section 19.1 of the Master Services Agreement is amended by deleting the second sentence (submission to
     the exclusive jurisdiction of the courts in New York County) and inserting new Section 19.2 providing for binding
     arbitration administered by the International Centre for Dispute Resolution, seated in London, before a sole
     arbitrator. Each party retains the right to seek injunctive relief in any court of competent jurisdiction."""),
    ("a-price-adjustment", "Amendment to Supply Agreement — raw material price adjustment mechanism",
     """AMENDMENT. Section 5 (Pricing) is amended by adding Section 5.6: "If the average monthly index price of
     hot-rolled steel coil published by the agreed index provider increases or decreases by more than eight percent from
     the Baseline, the Contract Price shall be adjusted proportionately for the steel content of the Products on the
     first day of the following calendar quarter." The parties acknowledge this mechanism, not Section 19 (Force
     Majeure), governs cost increases."""),
    ("a-sow-change-order", "Change Order No. 7 to Statement of Work — scope and milestone changes",
     """CHANGE ORDER NO. 7. Pursuant to Section 4.3 (Change Control) of the Master Services Agreement, the parties amend
     Statement of Work No. 2 as follows: (a) Milestone 4 (User Acceptance Testing) is moved from May 15 to July 1; (b)
     the fixed fee for Milestone 5 is increased by $180,000 to reflect the added integration with the client's claims
     platform; and (c) the acceptance period in Section 6 of the SOW is extended from ten to twenty Business Days."""),
    ("a-reinstatement", "Reinstatement Agreement — reinstatement of terminated license",
     """REINSTATEMENT AGREEMENT. {P} terminated the Software License Agreement on November 2, 2025 for non-payment under
     Section 16.1. The parties agree that the Agreement is reinstated effective upon {P}'s receipt of all past-due fees
     plus late charges, and that Section 16.1 is amended to shorten the cure period for non-payment from ten days to five
     days for the remainder of the Term. {C} releases any claims arising from the termination."""),
]


# --------------------------------------------------------------------------- #
# Long documents (600-1,200 words) so that passage splitting (MaxP) matters.
# --------------------------------------------------------------------------- #

BOILERPLATE = [
    ("Independent Contractors", """The parties are independent contractors. Nothing in this Agreement creates a
     partnership, franchise, joint venture, agency, fiduciary or employment relationship, and neither party may bind
     the other."""),
    ("Severability", """If any provision of this Agreement is held invalid or unenforceable, it shall be enforced to
     the maximum extent permissible and the remaining provisions shall continue in full force and effect."""),
    ("Counterparts; Electronic Signatures", """This Agreement may be executed in counterparts, each of which is an
     original and all of which together constitute one instrument. Signatures delivered by PDF or a recognized
     electronic signature service are binding."""),
    ("Order of Precedence", """In the event of conflict, the body of this Agreement prevails over any Exhibit, and any
     Exhibit prevails over a Statement of Work or Order Form, unless the Statement of Work or Order Form expressly
     identifies the provision it overrides."""),
    ("Amendment; Waiver", """This Agreement may be amended only by a writing signed by authorized representatives of
     both parties. No waiver is effective unless in writing, and no waiver of one breach is a waiver of any other."""),
    ("Third-Party Beneficiaries", """Except for Indemnified Parties under the indemnification provisions, there are no
     third-party beneficiaries of this Agreement."""),
    ("Entire Agreement", """This Agreement, including its Exhibits, is the entire agreement of the parties regarding
     its subject matter and supersedes all prior and contemporaneous agreements, proposals and representations, written
     or oral."""),
]

# key, title, agreement, (provider, customer) party indices, recital, [definition keys], [clause keys]
LONG_AGREEMENTS = [
    ("L-msa", "Master Services Agreement — Northwind Analytics / Calloway Retail Group (full text excerpt)",
     "Master Services Agreement", (0, 8),
     "Provider performs data analytics and managed reporting services and Customer wishes to engage Provider to perform such services under Statements of Work.",
     ["d-affiliate-50", "d-confidential"],
     ["indem-mutual-3p", "lol-consequential", "tfc-customer-fee",
      "term-cause-cure", "assign-affiliate-merger", "gov-ny-exclusive", "fm-broad-pandemic"]),
    ("L-saas", "SaaS Subscription Agreement — Lumen Cloud Services / Bellweather Health Systems (full text excerpt)",
     "SaaS Subscription Agreement", (14, 2),
     "Provider offers a hosted revenue-cycle platform and Customer wishes to subscribe to the platform for use by its hospitals.",
     ["d-personal-data"],
     ["misc-sla-credits", "indem-ip-remedies", "indem-customer-data", "ip-feedback", "lol-cap-fees",
      "tfc-initial-term-lock", "term-effects", "assign-one-way", "fm-cyber"]),
    ("L-license", "Software License Agreement — Quillon Software / Pinecrest Logistics (full text excerpt)",
     "Software License Agreement", (3, 4),
     "Licensor has developed warehouse management software and Licensee wishes to obtain a perpetual, on-premises license to that software.",
     ["d-ip-rights"],
     ["mfn-cert-audit", "audit-license-compliance", "warr-performance-90", "warr-as-is", "indem-ip-uncapped",
      "lol-vendor-only", "coc-competitor", "assign-consent-void"]),
    ("L-supply", "Supply Agreement — Meridian Grain Cooperative / Keystone Freight Partners (full text excerpt)",
     "Supply Agreement", (5, 13),
     "Supplier produces milled grain products and Buyer wishes to purchase its requirements of such products for its regional distribution network.",
     [],
     ["mfn-pricing", "warr-noninfringement", "indem-capped", "lol-lost-profits-direct", "fm-narrow",
      "fm-termination-60", "arb-escalation", "gov-texas-cisg", "assign-receivables"]),
    ("L-employment", "Employment Agreement and Restrictive Covenants — Tessaract Robotics (full text excerpt)",
     "Employment Agreement", (7, 7),
     "The Company designs and sells warehouse robotics and wishes to employ Employee as Senior Field Applications Engineer.",
     [],
     ["conf-one-way-employee", "nc-employee-12m", "nc-customer-nonsolicit", "nc-california"]),
    ("L-apa", "Asset Purchase Agreement — Harbor Ridge Capital (Buyer) / Vantage Point Media Holdings (Seller) (excerpt of Articles VI-XI)",
     "Asset Purchase Agreement", (1, 12),
     "Seller operates a regional outdoor advertising business and Buyer wishes to purchase substantially all of the assets of that business.",
     ["d-losses", "d-fundamental-reps", "d-mae", "d-knowledge"],
     ["nc-sale-of-business", "indem-first-party", "misc-entire-agreement", "gov-de-jury"]),
    ("L-construction", "Construction Services Agreement — Brightwater Municipal Utility District / Okafor & Lindqvist Engineering (excerpt)",
     "Construction Services Agreement", (6, 10),
     "Owner intends to construct a water treatment facility expansion and Contractor agrees to perform the Work described in the Contract Documents.",
     ["d-gross-negligence", "d-force-majeure"],
     ["misc-liquidated", "indem-sole-negligence", "fm-notice-mitigation"]),
    ("L-exec", "Executive Employment Agreement — Ardent Biologics, Inc. / Chief Scientific Officer (full text excerpt)",
     "Executive Employment Agreement", (11, 11),
     "The Company is a clinical-stage biotechnology company and wishes to employ the Executive as its Chief Scientific Officer.",
     ["d-cause", "d-good-reason", "d-coc-board"],
     ["coc-vesting", "nc-garden-leave", "conf-one-way-employee"]),
]

# Wording fixes when a clause written for one agreement is reused in another.
REWORDING = {"L-exec": [("Employee shall", "The Executive shall"), ("Employee from", "the Executive from")]}

EXTRA_AGREEMENT_TEXT = {
    "L-construction": [
        ("Contract Sum and Retainage", """Owner shall pay Contractor the Contract Sum in monthly progress payments
         based on approved Applications for Payment. Owner shall retain five percent of each progress payment until
         Substantial Completion, after which retainage shall be reduced to two percent pending Final Completion and
         delivery of lien waivers from all subcontractors and suppliers."""),
        ("Changes in the Work", """Owner may order changes in the Work within the general scope of the Contract by
         written Change Order. If Contractor believes a directive increases its cost or time, it shall submit a claim
         within twenty-one days, with supporting documentation; claims not timely submitted are waived."""),
        ("Warranty of Work", """Contractor warrants that materials and equipment will be new and of good quality and
         that the Work will be free from defects for one year after Substantial Completion. Contractor shall correct
         defective Work promptly after notice, at its own cost, including the cost of uncovering and replacing other
         work affected by the correction."""),
    ],
    "L-exec": [
        ("Compensation", """The Executive's initial annual base salary is $465,000, reviewed annually by the
         Compensation Committee. The Executive is eligible for an annual target bonus of forty percent of base salary
         based on achievement of corporate and individual goals set by the Board, payable no later than March 15 of the
         following year."""),
        ("Severance", """If the Company terminates the Executive's employment without Cause, or the Executive resigns
         for Good Reason, the Executive shall receive twelve months of base salary continuation and COBRA premium
         reimbursement for twelve months, subject to execution and non-revocation of a general release of claims within
         sixty days after termination."""),
        ("Section 409A", """This Agreement is intended to comply with, or be exempt from, Section 409A of the Internal
         Revenue Code. Each installment payment is a separate payment, and any payment conditioned on a release that
         could be paid in either of two taxable years shall be paid in the later year."""),
    ],
    "L-employment": [
        ("Position and Duties", """Employee shall serve as Senior Field Applications Engineer reporting to the Vice
         President of Customer Success, and shall devote full business time to the Company. Employee's employment is
         at will and may be terminated by either party at any time, with or without Cause, subject to the notice
         provisions of this Agreement."""),
    ],
    "L-apa": [
        ("Survival", """The representations and warranties of the parties survive the Closing until the date that is
         eighteen months after the Closing Date, except that Fundamental Representations survive as provided in their
         definition. Covenants to be performed after the Closing survive until fully performed. A claim made in writing
         with reasonable specificity before expiration of the survival period survives until finally resolved."""),
        ("Exclusive Remedy", """From and after the Closing, the indemnification provisions of this Agreement are the
         sole and exclusive remedy of the parties for any breach of representation, warranty or covenant, except for
         claims of fraud, claims for specific performance or injunctive relief, and disputes over the purchase price
         adjustment, which are resolved by the Independent Accountant."""),
    ],
}

LONG_CASES = [
    ("L-case-cap", "Calloway Retail Group, LLC v. Lumen Cloud Services, Inc., 88 F.4th 1187 (2d Cir. 2024) (fictional opinion excerpt)",
     """BACKGROUND. Calloway Retail Group, LLC, an operator of 140 home-goods stores, subscribed to a hosted point-of-sale
     and loyalty platform provided by Lumen Cloud Services, Inc. under a SaaS Subscription Agreement governed by New
     York law. Section 12.2 of the agreement capped each party's aggregate liability at the fees paid and payable in
     the twelve months preceding the event giving rise to the claim, roughly $1.4 million. Section 12.3 excluded from
     the cap a party's indemnification obligations, breach of confidentiality, and liability arising from gross
     negligence, fraud or willful misconduct. Section 13.1 excluded indirect and consequential damages, including lost
     profits, without any carve-out. In 2021 attackers exploited a vulnerability in an unpatched file-transfer server
     that Lumen's own security team had flagged as critical in four successive quarterly scans. Payment card data and
     loyalty account details of 2.3 million Calloway customers were exfiltrated. Calloway spent $6.1 million on forensic
     investigation, notification, call centers and credit monitoring, paid $3.9 million in card-brand assessments, and
     claimed $22 million in lost profits from a decline in store traffic.

     PROCEDURAL HISTORY. Calloway sued for breach of contract and gross negligence. The District Court granted partial
     summary judgment to Lumen, holding that the cap limited recovery to $1.4 million because Calloway's proof showed
     at most ordinary negligence, and that all remaining categories were consequential damages barred by Section 13.1.
     Calloway appealed.

     DISCUSSION. A. The gross negligence carve-out. Under New York public policy, a party cannot contractually insulate
     itself from liability for gross negligence, which in this context means conduct that evinces a reckless disregard
     for the rights of others or smacks of intentional wrongdoing. The parties here did not leave that to public
     policy; they wrote the exception into Section 12.3. Whether conduct rises to gross negligence is ordinarily a
     question of fact. Viewing the record in Calloway's favor, as we must on summary judgment, see Anderson v. Liberty
     Lobby, Inc., 477 U.S. 242, 255 (1986), a jury could find that ignoring four critical-severity findings over
     eleven months, while certifying compliance with the Security Standards exhibit, was a reckless disregard of a
     known risk rather than an isolated lapse. The District Court erred in resolving that question as a matter of law.
     Id. at 248 (a dispute is genuine if a reasonable jury could return a verdict for the nonmoving party).

     B. Which losses are consequential. The harder question is whether the breach-response costs are direct or
     consequential damages. Direct damages are those that are the natural and probable consequence of the breach;
     consequential damages result from special circumstances and are recoverable only if contemplated by the parties.
     See Hadley v. Baxendale (1854) 9 Exch. 341. A data hosting agreement whose central promise is to keep customer
     data secure would be hollow if the cost of responding to the very event the promise guarded against were treated
     as remote. We therefore hold that reasonable forensic, notification and credit monitoring costs that the law
     requires a merchant to incur after a breach are direct damages on this record. The card-brand assessments present
     a closer question because they flow from Calloway's separate agreements with its acquiring bank; we remand for the
     District Court to decide whether Lumen had reason to know of those arrangements at contracting.

     C. Lost profits. Calloway's claim for lost profits fares differently. Section 13.1 expressly excludes "loss of
     profits" in a list that is not limited to consequential damages, and sophisticated commercial parties are held to
     their bargain. Lost store traffic is the kind of downstream loss that depends on customer reactions and market
     conditions outside the contract's subject matter. The exclusion bars that category regardless of whether
     the lost profits are characterized as direct or consequential.

     D. Effect of the carve-out on the exclusion. Calloway argues that because gross negligence lifts the cap, it
     must also lift the consequential damages exclusion. The text does not support that reading. Section 12.3 refers
     only to "the limitations in Section 12.2"; it says nothing of Section 13.1. Where the parties wished a carve-out to
     apply to both sections, as with indemnification obligations, they said so expressly. We decline to rewrite the
     agreement to add a term the parties omitted.

     CONCLUSION. The judgment is affirmed insofar as it bars recovery of lost profits, vacated insofar as it caps
     Calloway's remaining damages at $1.4 million and classifies its breach-response costs as consequential, and the
     case is remanded for trial on gross negligence and for further proceedings on the card-brand assessments."""),
    ("L-case-assign", "Harbor Ridge Capital LLC v. Quillon Software Ltd., 2023 WL 6109876 (Del. Ch. Sept. 18, 2023) (fictional memorandum opinion excerpt)",
     """I. BACKGROUND. Quillon Software Ltd. licensed its portfolio analytics engine to Atlas Funds Services LLC under a
     2018 Software License Agreement. Section 16.3 provided that neither party "may assign or transfer this Agreement
     ... whether voluntarily, by operation of law, by merger or otherwise, without the prior written consent of the
     other party," and that "[a]ny purported assignment in violation of this Section is null and void." The agreement
     contained no separate change of control provision. In 2022 Harbor Ridge Capital LLC acquired Atlas in two steps.
     First, Atlas's parent sold 100% of Atlas's membership interests to a Harbor Ridge subsidiary. Six months later,
     Atlas merged into Harbor Ridge Fund Administration LLC, with the latter surviving. Quillon was not asked to
     consent. When Quillon learned of the merger it declared the license void and demanded that the surviving entity
     cease use. Harbor Ridge sought a declaratory judgment that the license remained in effect; Quillon counterclaimed
     for breach of contract and copyright infringement.

     II. ANALYSIS. A. The equity sale. A sale of the equity of a contracting party does not ordinarily assign the
     party's contracts, because the contracting entity remains the same and continues to hold its rights. The
     anti-assignment clause here speaks of assignment or transfer "of this Agreement," not of transfers of interests in
     the licensee. Had the parties wished to treat a change in the ownership of Atlas as a transfer, they could have
     said so, as sophisticated parties often do by deeming a change of control an assignment. I therefore conclude that
     the first step of the acquisition did not breach Section 16.3. See Meridian Diagnostics LLC v. Ardent Biologics,
     Inc., 2021 WL 4410337, at *7 (Del. Ch. Sept. 27, 2021) (reverse triangular merger not an assignment by operation
     of law).

     B. The forward merger. The second step is different. In a forward merger the contracting entity ceases to exist
     and its rights vest in the survivor under 8 Del. C. § 251 and its LLC analogue. Whether that vesting is a
     "transfer by operation of law" is a question of contract interpretation, and here the clause expressly lists
     transfers "by operation of law" and "by merger." Those words would be surplusage if a merger of the licensee into
     another entity were not covered. The merger therefore required Quillon's consent, and Atlas breached Section 16.3
     by completing it without consent.

     C. Void or merely a breach. The parties' principal dispute is the consequence of the breach. Harbor Ridge argues
     that an anti-assignment clause restricts only the power to assign, so a non-conforming assignment gives rise to
     damages but remains effective. Delaware courts, like most, distinguish between clauses that merely prohibit
     assignment, which create a covenant whose breach sounds in damages, and clauses that expressly state that a
     non-conforming assignment is void or invalid, which remove the power to assign. Section 16.3 falls in the second
     category. The purported transfer to the survivor was void, and the survivor holds no license.

     D. Waiver and acquiescence. Harbor Ridge argues that Quillon waived its objection by accepting two quarterly
     maintenance payments after the merger. Waiver requires the intentional relinquishment of a known right. The
     payments were remitted from the same bank account Atlas had always used and the invoices continued to bear
     Atlas's name; the record does not show that Quillon knew of the merger when it accepted them. Section 21 of the
     agreement, a non-waiver clause, reinforces that conclusion. Acquiescence fails for similar reasons.

     E. Remedy. Quillon seeks an injunction against further use and damages measured by its list price for a new
     enterprise license. Because the survivor's continued use is unlicensed, Quillon has shown actual success on the
     merits. Applying the familiar four-factor test, see eBay Inc. v. MercExchange, L.L.C., 547 U.S. 388, 391 (2006),
     I conclude that a permanent injunction is warranted, but I will stay it for ninety days to permit an orderly
     transition or a negotiated license. Damages for the period of unlicensed use will be determined after further
     submissions.

     III. CONCLUSION. Judgment will be entered declaring that the equity sale did not breach Section 16.3, that the
     forward merger did, and that the purported transfer of the license was void. The parties shall submit a form of
     order within ten days."""),
    ("L-case-fm", "Pinecrest Logistics Corp. v. Meridian Grain Cooperative, 219 A.D.3d 1402 (N.Y. App. Div. 2023) (fictional opinion excerpt)",
     """Appeal from an order granting summary judgment to plaintiff on its claim for breach of a multi-year grain supply
     agreement and dismissing defendant's force majeure and impracticability defenses.

     Plaintiff Pinecrest Logistics Corp., a feed distributor, contracted with defendant Meridian Grain Cooperative for
     monthly deliveries of milled corn at a fixed price through 2022. Section 19 of the agreement defined a Force
     Majeure Event as "only" natural disaster, war, acts of terrorism and embargo, and expressly excluded "changes in
     market conditions, increased costs of raw materials, energy or labor" and "failures of that party's suppliers
     unless themselves caused by a Force Majeure Event." Section 19.2 required the affected party to give written
     notice within five business days of the event, describing its expected duration, as a condition to relief.

     In the spring of 2021 a regional drought reduced corn yields and a state agriculture department issued an
     emergency order restricting irrigation withdrawals. Meridian's members delivered less grain, the spot price of
     corn rose by 170%, and Meridian stopped deliveries for five months. It first invoked force majeure in a letter sent
     seven weeks after the irrigation order, in response to Pinecrest's notice of default. Pinecrest covered by buying
     corn on the spot market and sued for the difference.

     We agree with Supreme Court that the defense fails. Force majeure clauses are interpreted narrowly, and only if the
     clause specifically includes the event that prevented performance will a party be excused. The parties here
     chose a closed list introduced by the word "only," and neither drought nor government orders regulating water use
     appears in it. A drought is not, without more, a "natural disaster" in the sense of the clause, which groups that
     term with sudden catastrophic events such as war and embargo; under the principle of ejusdem generis, general words
     are read in light of the specific words that accompany them. Even if the drought qualified, Meridian's inability to
     perform stemmed from its members' reduced deliveries, which are failures of its suppliers, and from a price
     increase, both of which the clause expressly excludes.

     The defense independently fails for want of timely notice. Where a contract makes notice a condition of relief, a
     party that fails to give it cannot claim the benefit of the clause, regardless of whether the counterparty was
     prejudiced. Meridian's letter came seven weeks after the order and only after Pinecrest declared a default.

     Nor does the common-law doctrine of impossibility, or the Uniform Commercial Code's excuse of commercial
     impracticability (UCC 2-615), assist defendant. Impossibility excuses performance only when the destruction of the
     subject matter or the means of performance makes performance objectively impossible, and the event was
     unanticipated and could not have been guarded against in the contract. Increased cost, even a severe one, does not
     suffice. Meridian is a sophisticated agricultural cooperative that negotiated a fixed price over multiple growing
     seasons; the risk of a poor harvest was foreseeable and was allocated by the price term. Had Meridian wanted
     protection against yield shortfalls, it could have bargained for a crop-failure clause or a price adjustment
     mechanism, as the parties later did for other commodities.

     Finally, Meridian argues that Pinecrest failed to mitigate by buying on the spot market rather than entering
     forward contracts. The buyer's cover need only be reasonable and made in good faith and without unreasonable
     delay (UCC 2-712[1]); a buyer is not required to speculate on future prices. Pinecrest's purchases were made in
     the ordinary course at prevailing market rates, and the measure of damages is the difference between the cost of
     cover and the contract price, together with incidental damages.

     Order affirmed, with costs."""),
    ("L-case-1983", "Okonkwo v. City of Westmarch, 102 F.4th 455 (1st Cir. 2024) (fictional opinion excerpt)",
     """Plaintiff Adaeze Okonkwo appeals the dismissal under Fed. R. Civ. P. 12(b)(6) of her complaint under 42 U.S.C.
     § 1983 against the City of Westmarch and two police officers. We affirm in part and reverse in part.

     I. The complaint alleges that officers arrested Okonkwo at a transit station after she filmed them detaining
     another passenger, that they held her for nine hours without charge, and that the recording was deleted from her
     phone. She alleges First and Fourth Amendment violations against the officers and a municipal liability claim
     against the City, asserting that the City maintained a custom of arresting people who record police activity.

     II. We review the dismissal de novo, accepting well-pleaded facts as true. To survive a motion to dismiss, a
     complaint must contain sufficient factual matter, accepted as true, to state a claim to relief that is plausible
     on its face. Ashcroft v. Iqbal, 556 U.S. 662, 678 (2009) (quoting Bell Atlantic Corp. v. Twombly, 550 U.S. 544, 570
     (2007)). A claim has facial plausibility when the pleaded factual content allows the court to draw the reasonable
     inference that the defendant is liable for the misconduct alleged. Id. Plausibility is not a probability
     requirement, but it asks for more than a sheer possibility that a defendant has acted unlawfully. Id. We first
     set aside conclusory statements, then assess whether the remaining facts plausibly support liability. Id. at 679.

     III. Claims against the officers. Taking the complaint's facts as true, the officers arrested Okonkwo without
     probable cause for any offense, immediately after she declined their request to stop filming, and one officer
     said "you should have put the phone away." These allegations plausibly state retaliation and unreasonable seizure
     claims. The officers invoke qualified immunity, which shields officials unless their conduct violates clearly
     established rights of which a reasonable person would have known. Harlow v. Fitzgerald, 457 U.S. 800, 818 (1982).
     By the time of the arrest, this circuit had held that the public has a First Amendment right to record police
     officers performing their duties in a public place, subject to reasonable restrictions. The right was therefore
     clearly established, and the officers are not entitled to dismissal on immunity grounds at the pleading stage,
     although they may renew the defense on a developed record.

     IV. Claim against the City. A municipality cannot be held liable under section 1983 on a respondeat superior
     theory. Monell v. Dep't of Soc. Servs., 436 U.S. 658, 691 (1978). The plaintiff must plead that the violation was
     caused by an official policy, a custom so widespread as to have the force of law, or a decision of a final
     policymaker. Id. at 694. The complaint asserts in conclusory terms that the City has a custom of arresting people
     who film police, and it points to a single other incident reported in a local newspaper two years earlier. Under
     Iqbal, the bare assertion of a custom is a legal conclusion not entitled to the assumption of truth, 556 U.S. at
     678, and one prior incident of uncertain similarity does not plausibly show a persistent and widespread practice of
     which policymakers had actual or constructive knowledge. Nor does the complaint allege facts showing that the
     City's training was so deficient as to reflect deliberate indifference. The Monell claim was properly dismissed.

     V. Leave to amend. The District Court dismissed with prejudice without addressing Okonkwo's request to amend.
     Leave should be freely given when justice so requires, Fed. R. Civ. P. 15(a)(2), and Okonkwo represented that
     public records requests had yielded complaints about other arrests. Because amendment would not plainly be futile,
     the dismissal of the municipal claim should have been without prejudice.

     Affirmed as to the dismissal of the Monell claim, modified to be without prejudice; reversed as to the claims
     against the individual officers; and remanded. Costs to appellant."""),
]

LONG_STATUTES = [
    ("L-stat-privacy", "Westmarch Consumer Data Privacy Act, Article 2, §§ 201-209 (fictional)",
     """§ 201. Definitions. In this Article: (a) "Consumer" means a natural person who is a resident of this State acting
     in an individual or household context, and does not include a person acting in a commercial or employment context.
     (b) "Controller" means a person that, alone or jointly with others, determines the purpose and means of processing
     personal data. (c) "Processor" means a person that processes personal data on behalf of a controller. (d)
     "Personal data" means information that is linked or reasonably linkable to an identified or identifiable natural
     person, excluding de-identified data and publicly available information. (e) "Sensitive data" means personal data
     revealing racial or ethnic origin, religious beliefs, health diagnosis, sexual orientation, citizenship or
     immigration status, genetic or biometric data processed to identify a person, precise geolocation, or personal
     data of a known child. (f) "Sale" means the exchange of personal data for monetary or other valuable consideration
     by the controller to a third party, but does not include disclosure to a processor or to an affiliate, or
     disclosure as an asset in a merger, acquisition or bankruptcy.

     § 202. Applicability. This Article applies to persons that conduct business in this State or target products or
     services to residents of this State and that, during a calendar year, (1) control or process personal data of at
     least 100,000 consumers, or (2) control or process personal data of at least 25,000 consumers and derive more than
     twenty-five percent of gross revenue from the sale of personal data. This Article does not apply to financial
     institutions subject to Title V of the Gramm-Leach-Bliley Act, to protected health information under HIPAA, or to
     State agencies.

     § 203. Consumer rights. A consumer may invoke the following rights by a request to a controller: (a) to confirm
     whether the controller processes the consumer's personal data and to access it; (b) to correct inaccuracies; (c) to
     delete personal data provided by or obtained about the consumer; (d) to obtain a portable copy of the data in a
     readily usable format; and (e) to opt out of processing for targeted advertising, the sale of personal data, or
     profiling in furtherance of decisions that produce legal or similarly significant effects.

     § 204. Responding to requests. A controller shall respond to a consumer request within forty-five days, which may
     be extended once by forty-five additional days when reasonably necessary, with notice to the consumer. Information
     shall be provided free of charge up to twice annually. A controller that declines to act shall inform the consumer
     of the reasons and of instructions for an appeal, and shall decide any appeal within sixty days.

     § 205. Controller duties. A controller shall (a) limit collection of personal data to what is adequate, relevant
     and reasonably necessary for the disclosed purposes; (b) not process sensitive data without the consumer's consent;
     (c) establish reasonable administrative, technical and physical data security practices; (d) not process personal
     data in violation of State or federal anti-discrimination laws; and (e) provide a reasonably accessible privacy
     notice describing the categories of data processed, the purposes, how consumers may exercise their rights, and the
     categories of third parties with which data is shared.

     § 206. Processor contracts. Processing by a processor shall be governed by a binding contract that sets out the
     instructions for processing, the nature and purpose of processing, the type of data, the duration of processing
     and the rights and obligations of both parties. The contract shall require the processor to (1) ensure that each
     person processing the data is subject to a duty of confidentiality; (2) at the controller's direction, delete or
     return all personal data at the end of the services, unless retention is required by law; (3) make available all
     information necessary to demonstrate compliance; (4) allow and cooperate with reasonable assessments by the
     controller or its designated assessor, or alternatively arrange for an independent assessment at least annually
     and provide the report to the controller; and (5) engage any subcontractor only under a written contract imposing
     the same obligations, after giving the controller an opportunity to object.

     § 207. Data protection assessments. A controller shall conduct and document a data protection assessment of each
     processing activity that presents a heightened risk of harm, including targeted advertising, the sale of personal
     data, processing of sensitive data and profiling that presents a reasonably foreseeable risk of unfair treatment or
     financial injury. Assessments are confidential and exempt from public records disclosure.

     § 208. Enforcement. The Attorney General has exclusive authority to enforce this Article. Before bringing an
     action, the Attorney General shall provide the controller or processor with written notice identifying the
     specific provisions alleged to be violated; if within thirty days the violation is cured and the person provides an
     express written statement that it has been cured, no action shall be brought. A violation is punishable by a civil
     penalty of up to $7,500 per violation. Nothing in this Article creates a private right of action.

     § 209. Contract terms. Any provision of a contract or agreement that purports to waive or limit a consumer's rights
     under this Article is contrary to public policy and void."""),
    ("L-stat-merger", "Westmarch Business Corporation Law, Article 9 — Mergers, Share Exchanges and Appraisal Rights, §§ 901-912 (fictional)",
     """§ 901. Merger authorized. One or more domestic corporations may merge with one or more domestic or foreign
     corporations or other entities pursuant to a plan of merger approved as provided in this Article. A foreign entity
     may be a party only if the merger is permitted by the law under which it is organized.

     § 902. Plan of merger. The plan of merger shall set forth (a) the name of each party and of the surviving entity;
     (b) the terms and conditions of the merger; (c) the manner of converting the shares of each merging corporation
     into shares, obligations or other securities of the survivor or any other entity, or into cash or other property;
     and (d) any amendments to the articles of incorporation of the survivor.

     § 903. Board and shareholder approval. The board of directors of each domestic merging corporation shall adopt the
     plan and submit it to the shareholders with a recommendation, unless the board determines that a conflict of
     interest or other special circumstances make a recommendation inappropriate. Unless the articles require a greater
     vote, the plan must be approved by a majority of all the votes entitled to be cast, and by each voting group
     entitled to vote separately on the plan.

     § 904. Short-form merger. A parent corporation owning at least ninety percent of the outstanding shares of each
     class of a subsidiary may merge the subsidiary into itself, or itself into the subsidiary, without approval of the
     subsidiary's board or shareholders. The parent shall mail a copy of the plan to each shareholder of the subsidiary
     who does not waive the mailing requirement within ten days after the merger becomes effective.

     § 905. Effect of merger. When a merger becomes effective: (1) each other merging entity merges into the survivor and
     its separate existence ceases; (2) all property owned by, and every contract right possessed by, each merging
     entity is vested in the survivor without reversion or impairment and without any further act or deed; (3) all
     liabilities of each merging entity are vested in the survivor; and (4) proceedings pending by or against a merging
     entity may be continued as if the merger had not occurred. The vesting of contract rights under subdivision (2)
     does not override an express provision of a contract that prohibits transfer by merger or by operation of law,
     but a breach of such a provision does not invalidate the merger.

     § 906. Share exchange. A corporation may acquire all of the outstanding shares of one or more classes of another
     corporation through a share exchange under a plan approved in the manner of a merger. The corporation whose shares
     are acquired continues its existence, and its contracts are not transferred by reason of the exchange.

     § 907. Abandonment. After a plan has been adopted and before it becomes effective, it may be abandoned by the board
     without shareholder action, subject to any contractual rights, in the manner set forth in the plan.

     § 908. Right to appraisal. A shareholder is entitled to appraisal rights, and to obtain payment of the fair value
     of the shareholder's shares, in the event of (a) a merger to which the corporation is a party if shareholder
     approval is required; (b) a share exchange in which the shareholder's shares are acquired; (c) a disposition of
     all or substantially all assets requiring shareholder approval; and (d) a short-form merger. Appraisal rights are
     not available for shares of a class listed on a national securities exchange if the shareholder receives only cash
     or listed shares in the transaction.

     § 909. Notice and demand. The corporation shall notify shareholders of their appraisal rights in the meeting
     notice. A shareholder who wishes to assert appraisal rights must deliver written notice of intent to demand payment
     before the vote and must not vote in favor of the proposed action. A shareholder who fails to satisfy these
     requirements is not entitled to payment.

     § 910. Fair value. "Fair value" means the value of the shares immediately before the effectuation of the corporate
     action, using customary and current valuation concepts and techniques generally employed for similar businesses,
     and without discounting for lack of marketability or minority status, except as the articles may provide.

     § 911. Payment and court proceeding. Within thirty days after the corporate action, the corporation shall pay each
     eligible shareholder the amount it estimates to be the fair value of the shares plus interest. A shareholder
     dissatisfied with the payment may demand additional payment, and if the demand remains unsettled for sixty days the
     corporation shall commence a proceeding in the court of chancery to determine fair value.

     § 912. Exclusivity of remedy. Appraisal is the shareholder's exclusive remedy for challenging the consideration paid
     in the corporate action, except where the action was procured by fraud, material misrepresentation, or a breach of
     fiduciary duty by an interested director or controlling shareholder."""),
    ("L-stat-lease", "Westmarch Commercial Landlord and Tenant Act, §§ 301-310 (fictional)",
     """§ 301. Scope. This Act governs leases of real property used primarily for commercial, industrial or office
     purposes. It does not apply to residential tenancies, which are governed by the Residential Tenancies Act, or to
     ground leases of a term exceeding forty-nine years except as to §§ 306 and 309.

     § 302. Freedom of contract. Except as otherwise provided in this Act, the parties to a commercial lease may vary by
     agreement the rights and duties provided in this Act. The provisions of §§ 305(c), 307 and 309 may not be waived.

     § 303. Assignment and subletting. (a) Unless the lease provides otherwise, a tenant may assign the lease or sublet
     the premises without the landlord's consent. (b) If the lease requires the landlord's consent but does not state a
     standard, the landlord's consent may not be unreasonably withheld. (c) It is reasonable to withhold consent based on
     the financial responsibility of the proposed transferee, the suitability of the proposed use, the need for
     alterations, or the nature of the occupancy. It is not reasonable to withhold consent solely to recapture increased
     market rent, unless the lease expressly so provides. (d) An assignment does not release the assigning tenant from
     liability unless the landlord agrees in writing. (e) A transfer of the tenant's assets by merger is treated as an
     assignment only if the lease expressly so provides.

     § 304. Landlord's response. A landlord shall respond in writing to a tenant's written request for consent to
     transfer within thirty days after receipt of the request and the information reasonably required to evaluate it.
     A landlord that withholds consent shall state its reasons.

     § 305. Security deposits. (a) A landlord shall hold a security deposit in trust and shall not commingle it with
     the landlord's own funds unless the lease permits commingling. (b) Within forty-five days after the tenant vacates,
     the landlord shall return the deposit less amounts applied to unpaid rent and the cost of repairing damage beyond
     ordinary wear and tear, with an itemized statement. (c) On transfer of the landlord's interest, the transferee is
     liable for the deposit whether or not it was actually received.

     § 306. Repairs and maintenance. Unless the lease provides otherwise, the landlord shall maintain the structural
     elements, roof and building systems serving more than one tenant, and the tenant shall maintain the interior of the
     premises and systems exclusively serving the premises.

     § 307. Mitigation of damages. If a tenant abandons the premises or is evicted for default, the landlord shall make
     reasonable efforts to relet the premises. The landlord is not required to prefer the premises over other vacant
     space it owns or to accept a tenant of inferior financial standing or an incompatible use. Amounts received on
     reletting shall be credited against the defaulting tenant's liability. A lease provision waiving this duty is void.

     § 308. Accelerated rent. A lease provision permitting the landlord to accelerate future rent on default is
     enforceable only to the extent that the accelerated amount is discounted to present value and reduced by the fair
     rental value of the premises for the remainder of the term.

     § 309. Self-help prohibited. A landlord may not recover possession of premises from a tenant in possession except
     by judicial process. Changing locks, removing doors or interrupting utilities to exclude a tenant entitles the
     tenant to recover actual damages, or three months' rent, whichever is greater, and attorney's fees.

     § 310. Holdover. A tenant that remains in possession after expiration of the term without the landlord's consent is
     liable for use and occupancy at one hundred fifty percent of the last monthly rent, unless the lease provides a
     different rate, and for consequential damages caused by the holdover only if the landlord gave written notice of a
     specific successor tenant at least thirty days before expiration."""),
]


# --------------------------------------------------------------------------- #
# Composition
# --------------------------------------------------------------------------- #

ROLES = {
    "Master Services Agreement": ("Provider", "Customer"),
    "SaaS Subscription Agreement": ("Provider", "Customer"),
    "Software License Agreement": ("Licensor", "Licensee"),
    "Supply Agreement": ("Supplier", "Buyer"),
    "Employment Agreement": ("the Company", "Employee"),
    "Executive Employment Agreement": ("the Company", "the Executive"),
    "Asset Purchase Agreement": ("Buyer", "Seller"),
    "Construction Services Agreement": ("Contractor", "Owner"),
}

# Article captions used when clauses are assembled into a full agreement.
ARTICLE_NAMES = {
    "indem": "INDEMNIFICATION", "lol": "LIMITATION OF LIABILITY", "gov": "GOVERNING LAW AND JURISDICTION",
    "arb": "DISPUTE RESOLUTION", "assign": "ASSIGNMENT", "coc": "CHANGE OF CONTROL",
    "noncomp": "RESTRICTIVE COVENANTS", "conf": "CONFIDENTIALITY", "tfc": "TERM AND TERMINATION",
    "fm": "FORCE MAJEURE", "mfn": "PRICING", "audit": "RECORDS AND AUDIT", "ip": "INTELLECTUAL PROPERTY",
    "warr": "WARRANTIES", "misc-sla-credits": "SERVICE LEVELS", "misc-liquidated": "TIME; LIQUIDATED DAMAGES",
    "coc-vesting": "EQUITY AWARDS", "misc-entire-agreement": "ENTIRE AGREEMENT; NON-RELIANCE",
}

ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV"]
CLAUSE_INDEX: dict[str, tuple] = {}


def _fill(text: str, p: str, c: str, params: dict | None = None) -> str:
    out = text.replace("{P}", p).replace("{C}", c)
    for name, value in (params or {}).items():
        out = out.replace("{" + name + "}", value)
    if "{" in out:
        raise ValueError(f"unfilled placeholder in: {out[:80]}")
    return out


def build_clauses(rng: random.Random) -> None:
    for ctype, key, agreement, heading, text, param_sets in CLAUSES:
        CLAUSE_INDEX[key] = (ctype, agreement, heading, text, param_sets[0])
        for n, params in enumerate(param_sets):
            i, j = rng.sample(range(len(PARTIES)), 2)
            p, c = PARTIES[i][1], PARTIES[j][1]
            body = _fill(text, p, c, params)
            # Titles look like a clause bank entry: agreement, parties, section caption.
            # The descriptive heading above stays in the generator as documentation only,
            # so titles do not hand the answer to a lexical matcher.
            title = f"{agreement} ({p} / {c}) — {_caption(body, heading)}"
            add(key if n == 0 else f"{key}-{n + 1}", "clause", title, body, sub=ctype)


def _caption(body: str, heading: str) -> str:
    """The section caption at the start of a clause ("Section 12.2 Cap"), else the short heading."""
    m = re.match(r"((?:Section|Clause|Paragraph) [\d.]+\.? [A-Z][A-Za-z;,'()\- ]{2,60}?)\.\s", body)
    return m.group(1) if m else heading.split(" — ")[0]


def build_cases() -> None:
    for key, title, text in CASES:
        add(key, "case", title, text)


def build_definitions(rng: random.Random) -> None:
    for key, title, text in DEFINITIONS:
        i, j = rng.sample(range(len(PARTIES)), 2)
        term_title = title.split(" (")[0]  # drop the descriptive parenthetical
        add(key, "def", f"{term_title} ({PARTIES[i][1]} / {PARTIES[j][1]})", _fill(text, PARTIES[i][1], PARTIES[j][1]))


def build_amendments(rng: random.Random) -> None:
    for key, title, text in AMENDMENTS:
        i, j = rng.sample(range(len(PARTIES)), 2)
        p, c = PARTIES[i][1], PARTIES[j][1]
        formal = title.split(" — ")[0]  # the instrument's own name, not our description
        add(key, "amend", f"{formal} ({p} / {c})", _fill(text, p, c))


def build_long_documents() -> None:
    defs = {k: t for k, _, t in DEFINITIONS}
    months = ["January", "March", "April", "June", "July", "September", "October", "December"]
    for n, (key, title, agreement, (pi, ci), recital, def_keys, clause_keys) in enumerate(LONG_AGREEMENTS):
        p_role, c_role = ROLES[agreement]
        p_long, c_long = PARTIES[pi][0], PARTIES[ci][0]
        strip = lambda r: r[4:] if r.startswith("the ") else r  # noqa: E731
        if pi == ci:  # employment: counterparty is an individual
            head = (f"THIS {agreement.upper()} is made as of {months[n]} 1, 2024 between {p_long} "
                    f"(\"{strip(p_role)}\") and the individual named on the signature page (\"{strip(c_role)}\").")
        else:
            head = (f"THIS {agreement.upper()} is made as of {months[n]} 1, 2024 between {p_long} "
                    f"(\"{strip(p_role)}\") and {c_long} (\"{strip(c_role)}\").")
        parts = [head, f"RECITALS. {recital} NOW, THEREFORE, the parties agree as follows."]
        art = 0
        if def_keys:
            art += 1
            body = " ".join(_fill(defs[k], p_role, c_role) for k in def_keys)
            parts.append(f"ARTICLE {ROMAN[art - 1]} — DEFINITIONS. Capitalized terms have the meanings below. {body}")
        # Order: [role-specific terms for employment] commercial clauses [other specific terms]
        # dispute resolution and governing law, then general provisions.
        extras = EXTRA_AGREEMENT_TEXT.get(key, [])
        main = [k for k in clause_keys if CLAUSE_INDEX[k][0] not in ("gov", "arb")]
        tail = [k for k in clause_keys if CLAUSE_INDEX[k][0] in ("gov", "arb")]
        extras_first = agreement in ("Employment Agreement", "Executive Employment Agreement")
        if extras_first:
            for heading, text in extras:
                art += 1
                parts.append(f"ARTICLE {ROMAN[art - 1]} — {heading.upper()}. {text}")
        prev_label = None
        for ck in main + (["__extras__"] if not extras_first else []) + tail:
            if ck == "__extras__":
                for heading, text in extras:
                    art += 1
                    parts.append(f"ARTICLE {ROMAN[art - 1]} — {heading.upper()}. {text}")
                prev_label = None
                continue
            ctype, agr, heading, text, params = CLAUSE_INDEX[ck]
            label = ARTICLE_NAMES.get(ck, ARTICLE_NAMES.get(ctype, "MISCELLANEOUS"))
            clause = _fill(text, p_role, c_role, params)
            for before, after in REWORDING.get(key, []):
                clause = clause.replace(before, after)
            if label == prev_label:  # consecutive clauses of one kind share an article
                parts[-1] += " " + clause
                continue
            art += 1
            prev_label = label
            parts.append(f"ARTICLE {ROMAN[art - 1]} — {label}. {clause}")
        art += 1
        boiler = [(h, t) for h, t in BOILERPLATE
                  if not (h == "Entire Agreement" and "misc-entire-agreement" in clause_keys)]
        general = " ".join(f"{chr(97 + i)}. {h}. {t}" for i, (h, t) in enumerate(boiler))
        parts.append(f"ARTICLE {ROMAN[art - 1]} — GENERAL PROVISIONS. {general}")
        parts.append(f"IN WITNESS WHEREOF, the parties have executed this {agreement} by their duly authorized "
                     "representatives as of the date first written above.")
        add(key, "agmt", title, "")
        DOCS[key]["text"] = "\n\n".join(" ".join(x.split()) for x in parts)
    for key, title, text in LONG_CASES:
        add(key, "case", title, text)
        DOCS[key]["text"] = _paragraphs(text)
    for key, title, text in LONG_STATUTES:
        add(key, "stat", title, text)
        DOCS[key]["text"] = _paragraphs(text)


def _paragraphs(text: str) -> str:
    """Collapse whitespace inside paragraphs but keep blank-line paragraph breaks."""
    return "\n\n".join(" ".join(p.split()) for p in text.strip().split("\n\n") if p.strip())


def build_all() -> None:
    DOCS.clear()
    CLAUSE_INDEX.clear()
    rng = random.Random(SEED)
    build_statutes()
    build_clauses(rng)
    build_cases()
    build_definitions(rng)
    build_amendments(rng)
    build_long_documents()


# --------------------------------------------------------------------------- #
# Queries: (text, type, [(doc key, grade)]). Grades: 3 exactly answers,
# 2 relevant, 1 related. Most natural queries paraphrase rather than copy.
# --------------------------------------------------------------------------- #

N, C, K = "natural", "citation", "keyword"

QUERIES = [
    # ---- citation lookups: exact citation match matters ----
    ("42 U.S.C. § 1983", C, [("s-1983", 3), ("c-monell", 2), ("L-case-1983", 2), ("c-1983-deliberate", 1)]),
    ("Twombly plausibility standard 550 U.S. 544", C, [("c-twombly", 3), ("c-iqbal", 2), ("L-case-1983", 1), ("s-frcp12b6", 1)]),
    ("15 U.S.C. § 78j(b)", C, [("s-10b", 3), ("c-basic", 2), ("c-loss-causation", 1)]),
    ("Fed. R. Civ. P. 12(b)(6)", C, [("s-frcp12b6", 3), ("c-twombly", 2), ("c-iqbal", 2), ("c-12b6-contract", 1)]),
    ("28 U.S.C. § 1332 amount in controversy", C, [("s-1332", 3), ("c-amount-controversy", 2), ("c-hertz", 1)]),
    ("556 U.S. 662", C, [("c-iqbal", 3), ("L-case-1983", 1)]),
    ("Celotex 477 U.S. 317", C, [("c-celotex", 3), ("s-frcp56", 1)]),
    ("Hertz v. Friend nerve center 559 U.S. 77", C, [("c-hertz", 3), ("s-1332", 2)]),
    ("436 U.S. 658 municipal liability", C, [("c-monell", 3), ("c-1983-deliberate", 2), ("L-case-1983", 2)]),
    ("Cal. Bus. & Prof. Code § 16600", C, [("s-cal16600", 3), ("c-california-choice", 2), ("nc-california", 1)]),
    ("U.C.C. § 2-316 conspicuous disclaimer", C, [("s-ucc2316", 3), ("c-disclaimer-conspicuous", 2), ("warr-as-is", 1)]),
    ("UCC 2-207 battle of the forms", C, [("s-ucc2207", 3), ("c-ucc-battle-forms", 2)]),
    ("9 U.S.C. § 2", C, [("s-faa2", 3), ("c-concepcion", 2)]),
    ("Atlantic Marine 571 U.S. 49", C, [("c-atlantic-marine", 3), ("s-1404", 2)]),
    ("18 U.S.C. § 1836", C, [("s-dtsa", 3), ("c-dtsa-injunction", 2)]),
    ("18 U.S.C. § 1833(b) immunity notice", C, [("s-dtsa-immunity", 3), ("conf-one-way-employee", 2), ("L-employment", 1)]),
    ("17 U.S.C. § 107", C, [("s-fairuse", 3), ("c-campbell", 2)]),
    ("912 F.3d 301", C, [("c-first-party-indem", 3)]),
    ("550 U.S. at 570", C, [("c-twombly", 3), ("L-case-1983", 2)]),
    ("Daubert 509 U.S. 579", C, [("c-daubert", 3), ("s-fre702", 2)]),
    ("Hadley v. Baxendale", C, [("c-hadley", 3), ("L-case-cap", 2), ("lol-consequential", 1)]),
    ("Westmarch Data Security Act § 3", C, [("s-wm-breach-3", 3), ("s-wm-breach-5", 1)]),
    ("General Obligations Law § 5-1401", C, [("s-wm-choice", 3), ("a-governing-law-change", 2)]),
    ("Fed. R. Civ. P. 15(a)(2)", C, [("s-frcp15", 3), ("L-case-1983", 1)]),
    ("8 Del. C. § 251", C, [("s-dgcl251", 3), ("L-case-assign", 2), ("L-stat-merger", 1)]),
    ("Harlow v. Fitzgerald 457 U.S. 800", C, [("c-harlow", 3), ("c-qualified-immunity", 1), ("L-case-1983", 2)]),
    ("Unfair Contract Terms Act 1977 s. 2", C, [("s-ucta", 3), ("lol-death-pi", 2)]),
    ("U.C.C. § 2-719(2)", C, [("s-ucc2719", 3), ("c-failure-essential", 3), ("warr-performance-90", 1)]),
    ("2021 WL 4410337", C, [("c-reverse-triangular", 3), ("L-case-assign", 1)]),
    ("88 F.4th 1187", C, [("L-case-cap", 3)]),

    # ---- natural-language questions ----
    ("can the licensor assign the agreement without consent after a merger", N,
     [("assign-coc-deemed", 3), ("assign-one-way", 2), ("assign-affiliate-merger", 2), ("L-case-assign", 1)]),
    ("does buying all the stock of the other side count as assigning the contract to the buyer", N,
     [("c-reverse-triangular", 3), ("L-case-assign", 3), ("L-stat-merger", 2), ("assign-coc-deemed", 2)]),
    ("if the contract says a transfer without consent is null, is the license still valid after the licensee merged into another company", N,
     [("L-case-assign", 3), ("assign-consent-void", 2), ("c-forward-merger", 2)]),
    ("vendor wants the right to cancel if our company gets bought by one of its rivals", N,
     [("coc-competitor", 3), ("assign-no-competitor", 2), ("coc-termination", 1)]),
    ("the supplier says grain prices tripled so it is excused from delivering", N,
     [("c-fm-cost", 3), ("L-case-fm", 3), ("fm-narrow", 2), ("a-price-adjustment", 1)]),
    ("did pandemic shutdown orders let the tenant stop paying rent", N,
     [("c-fm-pandemic", 3), ("fm-broad-pandemic", 1), ("a-fm-pandemic", 1)]),
    ("is a hacker attack an excuse for the platform being down", N,
     [("fm-cyber", 3), ("d-force-majeure", 2), ("L-saas", 1)]),
    ("contractor gave late notice of the storm delay, can it still get an extension of time", N,
     [("fm-notice-mitigation", 3), ("L-case-fm", 2), ("L-construction", 2)]),
    ("right to walk away from the supply contract if the disaster keeps the plant shut for months", N,
     [("fm-termination-60", 3), ("fm-termination-60-2", 3), ("L-supply", 2)]),
    ("can we get our legal fees back from the vendor under the indemnity when we sued the vendor itself", N,
     [("c-first-party-indem", 3), ("indem-first-party", 2), ("d-losses", 1)]),
    ("will the software company cover us without any limit if someone claims the product violates their patent", N,
     [("indem-ip-uncapped", 3), ("L-license", 2), ("lol-gross-neg-uncapped", 1)]),
    ("what can the provider do instead of paying if the platform is accused of infringing", N,
     [("indem-ip-remedies", 3), ("L-saas", 2)]),
    ("who runs the defense of a third-party claim and can the other side settle without our sign-off", N,
     [("indem-procedure", 3), ("a-indem-procedure", 3)]),
    ("do indemnity payments eat into the overall damages ceiling", N,
     [("indem-capped", 3), ("indem-capped-2", 3), ("indem-ip-uncapped", 1)]),
    ("who pays for forensics, notification letters and credit monitoring after the processor was hacked", N,
     [("indem-data-breach", 3), ("L-case-cap", 2), ("a-add-data-carveout", 1), ("s-wm-breach-3", 1)]),
    ("are lost profits recoverable when the contract bars indirect damages", N,
     [("c-lost-profits", 3), ("L-case-cap", 3), ("lol-lost-profits-direct", 2), ("c-hadley", 1)]),
    ("damages limit that protects only the software vendor and leaves the customer exposed", N,
     [("lol-vendor-only", 3), ("L-license", 2)]),
    ("under English law can a supplier exclude liability for a death caused by its negligence", N,
     [("s-ucta", 3), ("lol-death-pi", 3), ("gov-england", 1)]),
    ("does the cap still protect a vendor that ignored repeated security warnings", N,
     [("L-case-cap", 3), ("c-gross-negligence", 3), ("lol-gross-neg-uncapped", 2), ("d-gross-negligence", 1)]),
    ("if gross negligence removes the cap does it also remove the exclusion of consequential damages", N,
     [("L-case-cap", 3), ("lol-gross-neg-uncapped", 1)]),
    ("does a Delaware choice of law clause also cover fraud claims", N,
     [("c-choice-of-law-tort", 3), ("gov-de-jury", 1)]),
    ("engineer in California signed a non-compete governed by another state's law, can it be enforced", N,
     [("c-california-choice", 3), ("s-cal16600", 2), ("nc-california", 2)]),
    ("paying the former executive half salary while the restriction runs", N,
     [("nc-garden-leave", 3), ("s-wm-noncompete-6", 3), ("L-exec", 2)]),
    ("will a judge trim an overly broad non-compete instead of striking it", N,
     [("c-noncompete-overbroad", 3), ("nc-employee-12m", 2), ("s-wm-noncompete", 2), ("L-employment", 1)]),
    ("covenant not to compete signed by the person who sold the business", N,
     [("c-noncompete-sale", 3), ("nc-sale-of-business", 3), ("L-apa", 2)]),
    ("restriction on hiring away each other's staff that still allows public job ads", N,
     [("nc-nonsolicit-employees", 3)]),
    ("former employee may join a competitor but cannot take his old clients", N,
     [("nc-customer-nonsolicit", 3), ("L-employment", 2)]),
    ("we received a subpoena asking for the counterparty's confidential documents, what must we do first", N,
     [("conf-compelled", 3)]),
    ("client may cancel on short notice but owes a break fee", N,
     [("tfc-customer-fee", 3), ("tfc-customer-fee-2", 3), ("L-msa", 2)]),
    ("can a customer end a contract early just to move to a cheaper provider", N,
     [("c-tfc-good-faith", 3), ("tfc-customer-fee", 1)]),
    ("licensee ended the contract for breach without allowing time to fix the problem", N,
     [("c-cure-notice", 3), ("term-cause-cure", 2)]),
    ("how long do we have to export our records after the subscription ends", N,
     [("term-effects", 3), ("L-saas", 2)]),
    ("supplier must give us any lower price it offers comparable buyers", N,
     [("mfn-pricing", 3), ("a-mfn-add", 3), ("L-supply", 2)]),
    ("licensee underpaid royalties, who pays for the accountant's inspection", N,
     [("audit-royalty", 3), ("a-audit-frequency", 2), ("d-net-sales", 1)]),
    ("licensee refused to let the vendor check how many users were deployed", N,
     [("c-audit-refusal", 3), ("audit-license-compliance", 2), ("L-license", 2)]),
    ("can an independent attestation report replace an on-site inspection of the processor", N,
     [("audit-security-soc2", 3), ("s-gdpr28", 1)]),
    ("researcher only promised to assign future inventions, who owns them now", N,
     [("c-stanford", 3), ("ip-agree-to-assign", 3), ("ip-present-assignment", 2)]),
    ("does the company own code written by an outside contractor", N,
     [("ip-present-assignment", 3), ("s-work-for-hire", 3), ("ip-background-license", 1)]),
    ("disclaimer printed in tiny type on the back of the invoice", N,
     [("c-disclaimer-conspicuous", 3), ("s-ucc2316", 2), ("warr-as-is", 1)]),
    ("the only remedy was fixing the software and the fixes kept failing", N,
     [("c-failure-essential", 3), ("warr-performance-90", 2), ("s-ucc2719", 2)]),
    ("buyer cannot sue over statements in management presentations outside the contract", N,
     [("c-anti-reliance", 3), ("misc-entire-agreement", 3), ("L-apa", 2)]),
    ("is a daily charge for finishing the project late enforceable or a penalty", N,
     [("c-liquidated-penalty", 3), ("misc-liquidated", 2), ("misc-liquidated-2", 2), ("L-construction", 1)]),
    ("is the city automatically responsible when its police violate someone's rights", N,
     [("c-monell", 3), ("s-1983", 2), ("c-1983-deliberate", 2), ("L-case-1983", 2)]),
    ("arrested for filming officers at a train station, can the officers claim immunity", N,
     [("L-case-1983", 3), ("c-qualified-immunity", 1)]),
    ("how much factual detail does a complaint need to get past a motion to dismiss", N,
     [("c-twombly", 3), ("c-iqbal", 3), ("s-frcp12b6", 2), ("L-case-1983", 2)]),
    ("can a case be moved to federal court when one defendant lives in the state where it was filed", N,
     [("s-1441", 3)]),
    ("does a consumer have to warn the company before suing over a data breach", N,
     [("s-wm-breach-5", 3)]),
    ("do shareholders paid cash for exchange-listed shares have a right to appraisal", N,
     [("L-stat-merger", 3)]),
    ("landlord changed the locks on a commercial tenant", N, [("L-stat-lease", 3)]),
    ("must the landlord try to find a new tenant after the old one moves out early", N, [("L-stat-lease", 3)]),
    ("can the landlord refuse a sublease just to charge the newcomer higher rent", N,
     [("L-stat-lease", 3), ("assign-not-unreasonably", 2), ("a-lease-assignment", 1)]),
    ("does the processor agreement have to let the controller inspect", N,
     [("L-stat-privacy", 3), ("s-gdpr28", 3), ("audit-security-soc2", 1)]),
    ("can consumers refuse targeted advertising under the state privacy law", N, [("L-stat-privacy", 3)]),
    ("after closing is indemnification the only remedy except for fraud", N,
     [("L-apa", 3), ("indem-first-party", 2)]),
    ("when is the withheld percentage of progress payments reduced", N, [("L-construction", 3)]),
    ("does the executive have to sign a release to get severance", N, [("L-exec", 3)]),
    ("once the company is up for sale the board has to get the best price", N, [("c-revlon", 3)]),
    ("assigning a supplier's payment rights to a lender despite a no-assignment clause", N,
     [("s-ucc9406", 3), ("assign-receivables", 3), ("a-payment-terms", 2)]),

    # ---- keyword-style searches ----
    ("uncapped indemnity for IP infringement", K, [("indem-ip-uncapped", 3), ("lol-gross-neg-uncapped", 2), ("L-license", 2)]),
    ("liability cap 24 months fees", K, [("lol-cap-fees-2", 3), ("lol-cap-fees", 2), ("a-cap-increase", 1)]),
    ("data breach super-cap 3x fees", K, [("indem-data-breach", 3), ("a-add-data-carveout", 3)]),
    ("hell or high water rent", K, [("lol-no-cap-payment", 3)]),
    ("jury waiver Court of Chancery", K, [("gov-de-jury", 3), ("L-apa", 2)]),
    ("CISG exclusion", K, [("gov-texas-cisg", 3), ("gov-ny-exclusive", 2), ("L-supply", 2)]),
    ("class action waiver opt-out 30 days", K, [("arb-class-waiver", 3), ("c-concepcion", 2)]),
    ("anti-assignment void change of control deemed assignment", K, [("assign-coc-deemed", 3), ("assign-consent-void", 2), ("L-case-assign", 2), ("a-assignment-consent", 1)]),
    ("landlord consent not unreasonably withheld deemed consent", K, [("assign-not-unreasonably", 3), ("L-stat-lease", 2)]),
    ("double trigger acceleration", K, [("coc-vesting", 3), ("L-exec", 2)]),
    ("residuals clause unaided memory", K, [("conf-residuals", 3), ("c-confidential-residuals", 2)]),
    ("termination for convenience anticipatory profits", K, [("tfc-govt-style", 3)]),
    ("MFN exclusions government pro bono", K, [("mfn-exclusions", 3)]),
    ("MFN officer certification audit refund", K, [("mfn-cert-audit", 3), ("L-license", 2)]),
    ("background IP license deliverables", K, [("ip-background-license", 3), ("d-deliverables", 1)]),
    ("service credits sole remedy uptime", K, [("misc-sla-credits", 3), ("a-sla-change", 2), ("L-saas", 2)]),
    ("Affiliate definition excluding portfolio companies", K, [("d-affiliate-power", 3), ("d-affiliate-50", 1), ("d-affiliate-existing", 1)]),
    ("Change of Control IPO excluded", K, [("d-coc", 3), ("d-coc-board", 1)]),
    ("Good Reason relocation fifty miles", K, [("d-good-reason", 3), ("L-exec", 2)]),
    ("MAE disproportionate effect carve-out", K, [("d-mae", 3), ("L-apa", 1)]),
    ("Losses diminution in value multiple excluded", K, [("d-losses-no-diminution", 3), ("d-losses", 1)]),
    ("Net Sales deductions royalty", K, [("d-net-sales", 3), ("audit-royalty", 1)]),
    ("amendment increase liability cap $5,000,000", K, [("a-cap-increase", 3), ("lol-cap-fees", 1)]),
    ("amendment governing law Texas to New York", K, [("a-governing-law-change", 3), ("gov-texas-cisg", 2), ("s-wm-choice", 1)]),
    ("non-compete reduced to six months amendment", K, [("a-noncompete-narrow", 3), ("nc-employee-12m", 2)]),
    ("waiver of change of control termination right", K, [("a-waiver-letter", 3), ("coc-termination", 2)]),
    ("PSLRA strong inference scienter", K, [("c-tellabs", 3), ("s-pslra", 3), ("c-10b5-puffery", 1)]),
    ("discovery proportionality factors", K, [("s-frcp26", 3)]),
    ("books and records credible basis", K, [("s-dgcl220", 3)]),
    ("CFAA $5,000 loss civil action", K, [("s-cfaa", 3)]),
    ("automated decision system impact assessment", K, [("s-wm-ai", 3)]),
    ("failure to train deliberate indifference", K, [("c-1983-deliberate", 3), ("L-case-1983", 2)]),
]


# --------------------------------------------------------------------------- #
# Output
# --------------------------------------------------------------------------- #

PREFIX = {"stat": "stat", "case": "case", "def": "def", "amend": "amend", "agmt": "agmt"}


def assign_ids() -> dict[str, str]:
    """Map document keys to public ids, numbered in registration order per prefix."""
    counters: dict[str, int] = {}
    ids = {}
    for key, doc in DOCS.items():
        prefix = f"clause-{doc['sub']}" if doc["kind"] == "clause" else PREFIX[doc["kind"]]
        counters[prefix] = counters.get(prefix, 0) + 1
        ids[key] = f"{prefix}-{counters[prefix]:03d}"
    return ids


def split_queries(n: int) -> list[str]:
    """Assign query indexes to train/dev/test (~60/15/25), stratified by query type."""
    rng = random.Random(SEED + 1)
    splits = [""] * n
    by_type: dict[str, list[int]] = {}
    for i, (_, qtype, _) in enumerate(QUERIES):
        by_type.setdefault(qtype, []).append(i)
    for qtype in sorted(by_type):
        idx = by_type[qtype][:]
        rng.shuffle(idx)
        n_dev = round(len(idx) * 0.15)
        n_test = round(len(idx) * 0.25)
        for j, qi in enumerate(idx):
            splits[qi] = "dev" if j < n_dev else "test" if j < n_dev + n_test else "train"
    return splits


def render() -> dict[str, str]:
    """Build every output file in memory; returns {relative path: content}."""
    build_all()
    ids = assign_ids()
    corpus = "".join(
        json.dumps({"_id": ids[k], "title": d["title"], "text": d["text"]}, ensure_ascii=False) + "\n"
        for k, d in DOCS.items()
    )
    queries, qrels = [], {"train": [], "dev": [], "test": []}
    splits = split_queries(len(QUERIES))
    seen_text = set()
    for n, (text, qtype, judged) in enumerate(QUERIES):
        if text.lower() in seen_text:
            raise ValueError(f"duplicate query text {text!r}")
        seen_text.add(text.lower())
        if not 1 <= len(judged) <= 4:
            raise ValueError(f"query {text!r} must have 1-4 judged documents")
        qid = f"q{n + 1:03d}"
        queries.append(json.dumps({"_id": qid, "text": text, "metadata": {"type": qtype}}, ensure_ascii=False) + "\n")
        docs_seen = set()
        for key, grade in judged:
            if key not in ids:
                raise ValueError(f"query {text!r} judges unknown document key {key!r}")
            if key in docs_seen:
                raise ValueError(f"query {text!r} judges {key!r} twice")
            docs_seen.add(key)
            qrels[splits[n]].append(f"{qid}\t{ids[key]}\t{grade}\n")
    files = {"corpus.jsonl": corpus, "queries.jsonl": "".join(queries)}
    for split, rows in qrels.items():
        files[f"qrels/{split}.tsv"] = "query-id\tcorpus-id\tscore\n" + "".join(rows)
    files["README.md"] = render_readme(files)
    return files


README = """\
# legalsearch sample dataset

A small legal retrieval dataset in [BEIR](https://github.com/beir-cellar/beir) layout. It powers the
legalsearch demo and the test suite: fine-tune on `train`, pick checkpoints on `dev`, report on `test`.

It was written for this project by its contributors and generated by
[`scripts/make_sample.py`](../../scripts/make_sample.py), which holds every hand-written building block
(statute summaries, clause variants, case summaries, definitions, amendments, party names) and composes
them deterministically. Do not edit the files here by hand: change the script and run

    python scripts/make_sample.py          # regenerate
    python scripts/make_sample.py --check  # fail if the committed files are stale

## Files

| file | contents |
|---|---|
| `corpus.jsonl` | {n_docs} documents, one JSON object per line: `_id`, `title`, `text` |
| `queries.jsonl` | {n_queries} queries: `_id`, `text`, `metadata.type` (`natural`, `citation` or `keyword`) |
| `qrels/train.tsv` | {q_train} queries, {r_train} judgments |
| `qrels/dev.tsv` | {q_dev} queries, {r_dev} judgments |
| `qrels/test.tsv` | {q_test} queries, {r_test} judgments |

Qrels files have the header `query-id<TAB>corpus-id<TAB>score`. Scores are graded: 3 = answers the query
exactly, 2 = relevant, 1 = related. Every query has 1-4 judged documents ({g3} judgments at 3, {g2} at 2,
{g1} at 1), every judged id exists in the corpus, and no query appears in more than one split. Splits are
stratified by query type (about 60% / 15% / 25%).

## Documents

| id prefix | count | what |
|---|---|---|
| `stat-` | {n_stat} | statutes and rules: own-words summaries of real provisions (e.g. 42 U.S.C. § 1983, 15 U.S.C. § 78j(b), Fed. R. Civ. P. 12(b)(6), 28 U.S.C. § 1332, U.C.C. § 2-316) and sections of fictional "Westmarch" acts |
| `clause-<type>-` | {n_clause} | contract clauses in {n_clause_types} types ({clause_types}); variants differ in legally meaningful ways (mutual vs one-way, capped vs uncapped, carve-outs, notice periods) |
| `case-` | {n_case} | case summaries with reporter citations and pin cites (`Id. at 570`): own-words summaries of landmark decisions and fictional disputes marked "(fictional)" |
| `def-` | {n_def} | defined terms, including competing variants of the same term ("Affiliate", "Losses", "Confidential Information") |
| `amend-` | {n_amend} | amendments, waivers and change orders that refer back to sections of an original agreement |
| `agmt-` | {n_agmt} | full-text agreement excerpts assembled from the clauses above |

Most documents are 40-250 words. {n_long} documents are long (600-1,200 words: all `agmt-` documents,
{n_long_case} long opinions and {n_long_stat} multi-section statutes) so that long-document passage
splitting (MaxP) is exercised; several queries are answered only by a passage deep inside one of them.

## Queries

{n_natural} natural-language questions phrased the way a lawyer or paralegal would ask them, mostly
paraphrasing rather than repeating the wording of the documents; {n_citation} citation lookups where the
exact citation matters ("42 U.S.C. § 1983", "556 U.S. 662", "2021 WL 4410337"); and {n_keyword}
keyword-style searches ("uncapped indemnity for IP infringement").

## Licence and caveats

Released under the Apache License 2.0, the same licence as legalsearch. No third-party dataset was copied.

All texts are fictional or paraphrased. Party names are invented. Summaries of real statutes and decisions
are written in our own words, are simplified, and may be out of date; they are not quotations and not
authoritative. Citations marked "(fictional)" follow real reporter formats but do not refer to real
decisions; any match with a real citation is coincidental. **Nothing here is legal advice.**
"""


def render_readme(files: dict[str, str]) -> str:
    """Fill the README template with counts taken from the rendered files."""
    docs = [json.loads(line) for line in files["corpus.jsonl"].splitlines()]
    queries = [json.loads(line) for line in files["queries.jsonl"].splitlines()]
    qtypes = {t: sum(q["metadata"]["type"] == t for q in queries) for t in ("natural", "citation", "keyword")}
    rows = {s: [r.split("\t") for r in files[f"qrels/{s}.tsv"].splitlines()[1:]] for s in ("train", "dev", "test")}
    grades = [r[2] for rs in rows.values() for r in rs]
    prefix = lambda i: i.rsplit("-", 1)[0]  # noqa: E731
    long_ids = [d["_id"] for d in docs if len(d["text"].split()) >= 600]
    clause_types = sorted({prefix(d["_id"])[len("clause-"):] for d in docs if d["_id"].startswith("clause-")})
    counts = {
        "n_docs": len(docs), "n_queries": len(queries),
        **{f"q_{s}": len({r[0] for r in rs}) for s, rs in rows.items()},
        **{f"r_{s}": len(rs) for s, rs in rows.items()},
        **{f"g{g}": grades.count(str(g)) for g in (1, 2, 3)},
        **{f"n_{k}": sum(prefix(d["_id"]) == k for d in docs) for k in ("stat", "case", "def", "amend", "agmt")},
        "n_clause": sum(d["_id"].startswith("clause-") for d in docs),
        "n_clause_types": len(clause_types), "clause_types": ", ".join(f"`{t}`" for t in clause_types),
        "n_long": len(long_ids),
        "n_long_case": sum(i.startswith("case-") for i in long_ids),
        "n_long_stat": sum(i.startswith("stat-") for i in long_ids),
        **{f"n_{t}": n for t, n in qtypes.items()},
    }
    return README.format(**counts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="verify the committed files are up to date")
    args = parser.parse_args(argv)
    files = render()
    if args.check:
        stale = [p for p, c in files.items() if not (OUT / p).exists() or (OUT / p).read_text("utf-8") != c]
        if stale:
            print("out of date: " + ", ".join(stale) + " (run python scripts/make_sample.py)", file=sys.stderr)
            return 1
        print("sample dataset is up to date")
        return 0
    for path, content in files.items():
        target = OUT / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
    n_q = files["queries.jsonl"].count("\n")
    print(f"wrote {len(DOCS)} documents and {n_q} queries to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
