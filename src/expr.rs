//! The arithmetic a profile's `[[figures]]` are written in: decimal
//! literals, `+ - * /` (also `× ÷`), parentheses (also `（ ）`), unary minus,
//! figure ids, `facts.a.b` number fields of the facts, `sum(facts.path.key)`
//! over an array of tables and `count(facts.path)`. Parsed once when the
//! profile loads; evaluated with `Decimal` and checked operations, so a
//! derived figure is exact to the cent like the built-in ones.

use rust_decimal::Decimal;

use crate::figures::Gap;

/// A parsed expression with the text it was written as.
#[derive(Debug, Clone)]
pub struct Formula {
    text: String,
    root: Node,
}

/// Why an expression does not parse: the byte offset in its text and what
/// is wrong there, in Chinese.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub offset: usize,
    pub message: String,
}

/// Why an expression has no value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// A figure or field it reads has none.
    Gap(Gap),
    /// A divisor is zero; `divisor` is its text as written.
    DivideByZero { divisor: String },
}

impl From<Gap> for Failure {
    fn from(gap: Gap) -> Self {
        Failure::Gap(gap)
    }
}

/// What an expression reads while it is evaluated.
pub trait Env {
    /// The unrounded value of a figure.
    fn figure(&self, id: &str) -> Result<Decimal, Gap>;
    /// The facts file as parsed TOML.
    fn facts(&self) -> &toml::Table;
}

#[derive(Debug, Clone)]
enum Node {
    Number(Decimal),
    /// A figure id and its byte offset in the text.
    Figure(String, usize),
    /// `facts.a.b`: the path after `facts`.
    Field(Vec<String>),
    /// `sum(facts.a.b.key)`: the array's path and the key summed.
    Sum(Vec<String>, String),
    Count(Vec<String>),
    Neg(Box<Node>),
    Binary(Op, Box<Node>, Box<Node>),
    /// The divisor's text is kept for the message when it is zero.
    Div(Box<Node>, Box<Node>, String),
}

#[derive(Debug, Clone, Copy)]
enum Op {
    Add,
    Sub,
    Mul,
}

impl Formula {
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        if text.chars().count() > MAX_CHARS {
            return Err(ParseError {
                offset: 0,
                message: format!("算式超过 {MAX_CHARS} 个字符，请拆成几个计算值"),
            });
        }
        let mut parser = Parser { text, pos: 0 };
        let root = parser.sum()?;
        parser.skip_space();
        if parser.pos < text.len() {
            return Err(parser.error("多余的内容（缺少运算符？）"));
        }
        Ok(Formula {
            text: text.to_string(),
            root,
        })
    }

    /// The expression as written.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The figure ids it reads, each with its byte offset in the text, in
    /// order of appearance.
    pub fn figures(&self) -> Vec<(&str, usize)> {
        fn walk<'a>(node: &'a Node, out: &mut Vec<(&'a str, usize)>) {
            match node {
                Node::Figure(id, at) => out.push((id, *at)),
                Node::Neg(a) => walk(a, out),
                Node::Binary(_, a, b) | Node::Div(a, b, _) => {
                    walk(a, out);
                    walk(b, out);
                }
                Node::Number(_) | Node::Field(_) | Node::Sum(..) | Node::Count(_) => {}
            }
        }
        let mut out = Vec::new();
        walk(&self.root, &mut out);
        out
    }

    pub fn eval(&self, env: &dyn Env) -> Result<Decimal, Failure> {
        eval(&self.root, env)
    }
}

fn eval(node: &Node, env: &dyn Env) -> Result<Decimal, Failure> {
    let overflow = || Failure::Gap(Gap::Overflow);
    Ok(match node {
        Node::Number(n) => *n,
        Node::Figure(id, _) => env.figure(id)?,
        Node::Field(path) => {
            let value = lookup(env.facts(), path).ok_or_else(|| missing(path))?;
            number(value, &path.join("."))?
        }
        Node::Sum(path, key) => {
            let items = array(env.facts(), path)?;
            let mut total = Decimal::ZERO;
            for (i, item) in items.iter().enumerate() {
                let field = format!("{}[{}].{key}", path.join("."), i + 1);
                let value = item
                    .as_table()
                    .and_then(|t| t.get(key))
                    .ok_or_else(|| Gap::Missing(field.clone().into()))?;
                total = total
                    .checked_add(number(value, &field)?)
                    .ok_or_else(overflow)?;
            }
            total
        }
        Node::Count(path) => array(env.facts(), path)?.len().into(),
        Node::Neg(a) => -eval(a, env)?,
        Node::Binary(op, a, b) => {
            let (a, b) = (eval(a, env)?, eval(b, env)?);
            match op {
                Op::Add => a.checked_add(b),
                Op::Sub => a.checked_sub(b),
                Op::Mul => a.checked_mul(b),
            }
            .ok_or_else(overflow)?
        }
        Node::Div(a, b, divisor) => {
            let (a, b) = (eval(a, env)?, eval(b, env)?);
            if b.is_zero() {
                return Err(Failure::DivideByZero {
                    divisor: divisor.clone(),
                });
            }
            a.checked_div(b).ok_or_else(overflow)?
        }
    })
}

fn missing(path: &[String]) -> Gap {
    Gap::Missing(path.join(".").into())
}

fn lookup<'a>(table: &'a toml::Table, path: &[String]) -> Option<&'a toml::Value> {
    let (first, rest) = path.split_first()?;
    rest.iter()
        .try_fold(table.get(first)?, |value, key| value.as_table()?.get(key))
}

fn array<'a>(table: &'a toml::Table, path: &[String]) -> Result<&'a Vec<toml::Value>, Gap> {
    let value = lookup(table, path).ok_or_else(|| missing(path))?;
    value.as_array().ok_or_else(|| Gap::WrongType {
        field: path.join("."),
        expected: "一组记录（[[…]] 数组）",
    })
}

/// A TOML number as a `Decimal`. A float goes through its shortest decimal
/// form, which is the text the unit typed (`numbers::check` refuses floats
/// that do not survive the round trip).
fn number(value: &toml::Value, field: &str) -> Result<Decimal, Gap> {
    match value {
        toml::Value::Integer(i) => Ok((*i).into()),
        toml::Value::Float(f) => f.to_string().parse().map_err(|_| not_a_number(field)),
        _ => Err(not_a_number(field)),
    }
}

fn not_a_number(field: &str) -> Gap {
    Gap::WrongType {
        field: field.to_string(),
        expected: "数字",
    }
}

/// Recursive descent over the text; `pos` is a byte offset.
struct Parser<'a> {
    text: &'a str,
    pos: usize,
}

/// Longest expression: a long chain of `+` nests as deep as it is long
/// when evaluated, and no real figure needs more.
const MAX_CHARS: usize = 500;

/// How deep parentheses and unary minus may nest, so a hostile profile
/// cannot overflow the stack.
const MAX_NESTING: usize = 64;

impl<'a> Parser<'a> {
    fn error(&self, message: &str) -> ParseError {
        self.error_at(self.pos, message)
    }

    fn error_at(&self, offset: usize, message: &str) -> ParseError {
        ParseError {
            offset,
            message: message.to_string(),
        }
    }

    fn peek(&self) -> Option<char> {
        self.text[self.pos..].chars().next()
    }

    fn skip_space(&mut self) {
        while let Some(c) = self.peek().filter(|c| c.is_whitespace()) {
            self.pos += c.len_utf8();
        }
    }

    /// Consumes the next character if it is one of `chars`.
    fn eat(&mut self, chars: &[char]) -> Option<char> {
        self.skip_space();
        let c = self.peek().filter(|c| chars.contains(c))?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn sum(&mut self) -> Result<Node, ParseError> {
        self.sum_at(0)
    }

    fn sum_at(&mut self, depth: usize) -> Result<Node, ParseError> {
        let mut left = self.product(depth)?;
        while let Some(c) = self.eat(&['+', '-']) {
            let right = self.product(depth)?;
            let op = if c == '+' { Op::Add } else { Op::Sub };
            left = Node::Binary(op, Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn product(&mut self, depth: usize) -> Result<Node, ParseError> {
        let mut left = self.unary(depth)?;
        while let Some(c) = self.eat(&['*', '×', '/', '÷']) {
            self.skip_space();
            let start = self.pos;
            let right = self.unary(depth)?;
            left = if c == '*' || c == '×' {
                Node::Binary(Op::Mul, Box::new(left), Box::new(right))
            } else {
                let divisor = self.text[start..self.pos].trim().to_string();
                Node::Div(Box::new(left), Box::new(right), divisor)
            };
        }
        Ok(left)
    }

    fn unary(&mut self, depth: usize) -> Result<Node, ParseError> {
        if depth > MAX_NESTING {
            return Err(self.error("括号或负号嵌套过深"));
        }
        if self.eat(&['-']).is_some() {
            return Ok(Node::Neg(Box::new(self.unary(depth + 1)?)));
        }
        self.primary(depth)
    }

    fn primary(&mut self, depth: usize) -> Result<Node, ParseError> {
        self.skip_space();
        let start = self.pos;
        match self.peek() {
            None => Err(self.error("算式不完整，此处缺少数值或名称")),
            Some('(' | '（') => {
                self.eat(&['(', '（']);
                let inner = self.sum_at(depth + 1)?;
                if self.eat(&[')', '）']).is_none() {
                    return Err(self.error("缺少右括号"));
                }
                Ok(inner)
            }
            Some(c) if c.is_ascii_digit() => {
                let len = self.text[start..]
                    .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                    .unwrap_or(self.text.len() - start);
                self.pos += len;
                self.text[start..self.pos]
                    .parse()
                    .map(Node::Number)
                    .map_err(|_| self.error_at(start, "不是有效的数字"))
            }
            Some(c) if c.is_ascii_alphabetic() || c == '_' => {
                let name = self.name();
                self.skip_space();
                if self.peek() == Some('(') || self.peek() == Some('（') {
                    return self.call(name, start);
                }
                self.reference(name, start, false)
            }
            Some(_) => Err(self.error("此处应为数值、名称或括号")),
        }
    }

    /// A name with its dots: `budget_full`, `facts.money.income`.
    fn name(&mut self) -> &'a str {
        let start = self.pos;
        let len = self.text[start..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
            .unwrap_or(self.text.len() - start);
        self.pos += len;
        &self.text[start..self.pos]
    }

    /// A name outside a call: a figure id or a facts path.
    fn reference(&self, name: &str, start: usize, in_call: bool) -> Result<Node, ParseError> {
        let parts: Vec<&str> = name.split('.').collect();
        if parts.iter().any(|p| p.is_empty()) {
            return Err(self.error_at(start, "名称中有多余的点"));
        }
        match parts.as_slice() {
            ["facts", path @ ..] if !path.is_empty() => {
                Ok(Node::Field(path.iter().map(|p| p.to_string()).collect()))
            }
            [id] if !in_call && *id != "facts" => Ok(Node::Figure(id.to_string(), start)),
            _ => Err(self.error_at(
                start,
                "名称应为计算值 id，或以 facts. 开头的事实字段路径（如 facts.money.income）",
            )),
        }
    }

    /// `sum(facts.path.key)` or `count(facts.path)`.
    fn call(&mut self, function: &'a str, start: usize) -> Result<Node, ParseError> {
        if function != "sum" && function != "count" {
            return Err(self.error_at(start, "只支持 sum(…) 和 count(…) 两个函数"));
        }
        self.eat(&['(', '（']);
        self.skip_space();
        let arg_start = self.pos;
        let arg = self.name();
        let Node::Field(mut path) = self.reference(arg, arg_start, true)? else {
            unreachable!("a reference in a call is a field")
        };
        if self.eat(&[')', '）']).is_none() {
            return Err(self.error("缺少右括号"));
        }
        if function == "count" {
            return Ok(Node::Count(path));
        }
        if path.len() < 2 {
            return Err(self.error_at(
                arg_start,
                "sum 的参数应为数组路径加字段名，如 sum(facts.tables.training.amount)",
            ));
        }
        let key = path.pop().expect("at least two parts");
        Ok(Node::Sum(path, key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Facts(toml::Table);

    impl Env for Facts {
        fn figure(&self, id: &str) -> Result<Decimal, Gap> {
            match id {
                "ten" => Ok(Decimal::TEN),
                _ => Err(Gap::Missing(id.to_string().into())),
            }
        }
        fn facts(&self) -> &toml::Table {
            &self.0
        }
    }

    fn eval_with(expr: &str, facts: &str) -> Result<Decimal, Failure> {
        Formula::parse(expr)
            .unwrap()
            .eval(&Facts(facts.parse().unwrap()))
    }

    fn value(expr: &str) -> Decimal {
        eval_with(expr, "").unwrap()
    }

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn precedence_parentheses_and_unary_minus() {
        assert_eq!(value("1 + 2 * 3"), dec("7"));
        assert_eq!(value("(1 + 2) * 3"), dec("9"));
        assert_eq!(value("（1 + 2）× 3 ÷ 4"), dec("2.25"));
        assert_eq!(value("10 - 4 - 3"), dec("3"));
        assert_eq!(value("12 / 3 / 2"), dec("2"));
        assert_eq!(value("-2 * -3"), dec("6"));
        assert_eq!(value("-(1.5 + ten)"), dec("-11.5"));
        assert_eq!(value("ten*ten"), dec("100"));
    }

    #[test]
    fn parse_errors_name_the_position() {
        let err = |text: &str| Formula::parse(text).unwrap_err();
        assert_eq!(err("1 +").offset, 3);
        assert_eq!(err("(1 + 2").message, "缺少右括号");
        assert_eq!(err("1 2").offset, 2);
        assert_eq!(err("1 + money.income").offset, 4);
        assert_eq!(err("avg(facts.a.b)").offset, 0);
        assert_eq!(err("sum(facts.a)").offset, 4);
        assert_eq!(err("1 + ？").offset, 4);
        assert!(Formula::parse(&"(".repeat(1000)).is_err());
    }

    #[test]
    fn facts_fields_sums_and_counts() {
        let facts = "money = { income = 12.5 }\n[[tables.t]]\npeople = 3\namount = 1.25\n[[tables.t]]\npeople = 5\namount = 2";
        let v = |expr| eval_with(expr, facts).unwrap();
        assert_eq!(v("facts.money.income * 2"), dec("25"));
        assert_eq!(v("sum(facts.tables.t.amount)"), dec("3.25"));
        assert_eq!(
            v("sum(facts.tables.t.people) / count(facts.tables.t)"),
            dec("4")
        );
        let formula = Formula::parse("ten + sum(facts.tables.t.people) - ten").unwrap();
        assert_eq!(formula.figures(), [("ten", 0), ("ten", 35)]);
    }

    #[test]
    fn missing_fields_and_zero_divisors_are_named() {
        let facts = "money = { income = 0, name = \"x\" }\n[[tables.t]]\npeople = 3";
        let fail = |expr| eval_with(expr, facts).unwrap_err();
        assert_eq!(
            fail("facts.money.outgo"),
            Failure::Gap(Gap::Missing("money.outgo".into()))
        );
        assert_eq!(
            fail("sum(facts.tables.t.amount)"),
            Failure::Gap(Gap::Missing("tables.t[1].amount".into()))
        );
        assert_eq!(
            fail("facts.money.name"),
            Failure::Gap(not_a_number("money.name"))
        );
        assert!(matches!(
            fail("count(facts.money)"),
            Failure::Gap(Gap::WrongType { field, .. }) if field == "money"
        ));
        assert_eq!(
            fail("1 / (facts.money.income * 2)"),
            Failure::DivideByZero {
                divisor: "(facts.money.income * 2)".into()
            }
        );
    }
}
