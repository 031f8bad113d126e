// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title DevnetERC20
/// @notice The plain ERC-20 half of TestUSDC, with the owner-only admin calls a devnet needs: mint,
/// and USDC's pause and blacklist, so payment code can be tested against the same on-chain failures
/// as FiatToken v2.2 (a paused token or a blacklisted payer makes every transfer revert).
/// @dev Revert strings follow the classic OpenZeppelin / USDC wording that relayers match on.
abstract contract DevnetERC20 {
    /// @dev As in USDC v2.2, an account's blacklist flag is the top bit of its balance word, so a
    /// transfer checks it with the storage reads it makes anyway and settlement gas stays close to
    /// USDC's. The total supply (hence every balance) is kept below this bit.
    uint256 private constant BLACKLISTED_FLAG = 1 << 255;

    address private immutable _owner;
    string private _name;
    string private _symbol;
    uint256 private _totalSupply;
    bool private _paused;
    mapping(address => uint256) private _balanceAndBlacklistStates;
    mapping(address => mapping(address => uint256)) private _allowances;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);
    event Pause();
    event Unpause();
    event Blacklisted(address indexed account);
    event UnBlacklisted(address indexed account);

    modifier onlyOwner() {
        require(msg.sender == _owner, "TestUSDC: caller is not the owner");
        _;
    }

    modifier whenNotPaused() {
        require(!_paused, "Pausable: paused");
        _;
    }

    modifier notBlacklisted(address account) {
        require(!_isBlacklisted(account), "Blacklistable: account is blacklisted");
        _;
    }

    constructor(string memory name_, string memory symbol_) {
        _owner = msg.sender;
        _name = name_;
        _symbol = symbol_;
    }

    // --- ERC-20 views

    function name() external view returns (string memory) {
        return _name;
    }

    function symbol() external view returns (string memory) {
        return _symbol;
    }

    function decimals() external pure returns (uint8) {
        return 6;
    }

    function totalSupply() external view returns (uint256) {
        return _totalSupply;
    }

    function balanceOf(address account) external view returns (uint256) {
        return _balanceAndBlacklistStates[account] & ~BLACKLISTED_FLAG;
    }

    function allowance(address holder, address spender) external view returns (uint256) {
        return _allowances[holder][spender];
    }

    function owner() external view returns (address) {
        return _owner;
    }

    function paused() external view returns (bool) {
        return _paused;
    }

    function isBlacklisted(address account) external view returns (bool) {
        return _isBlacklisted(account);
    }

    // --- ERC-20 mutations

    function transfer(address to, uint256 value)
        external
        whenNotPaused
        notBlacklisted(msg.sender)
        notBlacklisted(to)
        returns (bool)
    {
        _transfer(msg.sender, to, value);
        return true;
    }

    function transferFrom(address from, address to, uint256 value)
        external
        whenNotPaused
        notBlacklisted(msg.sender)
        notBlacklisted(from)
        notBlacklisted(to)
        returns (bool)
    {
        uint256 allowed = _allowances[from][msg.sender];
        require(value <= allowed, "ERC20: transfer amount exceeds allowance");
        unchecked {
            _allowances[from][msg.sender] = allowed - value;
        }
        _transfer(from, to, value);
        return true;
    }

    function approve(address spender, uint256 value)
        external
        whenNotPaused
        notBlacklisted(msg.sender)
        notBlacklisted(spender)
        returns (bool)
    {
        _approve(msg.sender, spender, value);
        return true;
    }

    // --- devnet admin

    /// @notice Creates `amount` new tokens for `to`. Devnet only: there is no supply cap.
    function mint(address to, uint256 amount) external onlyOwner whenNotPaused notBlacklisted(to) {
        require(to != address(0), "ERC20: mint to the zero address");
        uint256 supply = _totalSupply + amount;
        require(supply < BLACKLISTED_FLAG, "TestUSDC: total supply too large");
        _totalSupply = supply;
        unchecked {
            // Cannot reach the flag bit: the balance is at most the total supply.
            _balanceAndBlacklistStates[to] += amount;
        }
        emit Transfer(address(0), to, amount);
    }

    function pause() external onlyOwner {
        _paused = true;
        emit Pause();
    }

    function unpause() external onlyOwner {
        _paused = false;
        emit Unpause();
    }

    function blacklist(address account) external onlyOwner {
        _balanceAndBlacklistStates[account] |= BLACKLISTED_FLAG;
        emit Blacklisted(account);
    }

    function unBlacklist(address account) external onlyOwner {
        _balanceAndBlacklistStates[account] &= ~BLACKLISTED_FLAG;
        emit UnBlacklisted(account);
    }

    // --- internals

    function _transfer(address from, address to, uint256 value) internal {
        require(from != address(0), "ERC20: transfer from the zero address");
        require(to != address(0), "ERC20: transfer to the zero address");
        uint256 fromState = _balanceAndBlacklistStates[from];
        require(value <= fromState & ~BLACKLISTED_FLAG, "ERC20: transfer amount exceeds balance");
        unchecked {
            // Neither line can touch the flag bit: value <= balance, and any balance plus value is
            // at most the total supply, which stays below the flag.
            _balanceAndBlacklistStates[from] = fromState - value;
            _balanceAndBlacklistStates[to] += value;
        }
        emit Transfer(from, to, value);
    }

    function _isBlacklisted(address account) internal view returns (bool) {
        return _balanceAndBlacklistStates[account] & BLACKLISTED_FLAG != 0;
    }

    function _approve(address holder, address spender, uint256 value) internal {
        require(holder != address(0), "ERC20: approve from the zero address");
        require(spender != address(0), "ERC20: approve to the zero address");
        _allowances[holder][spender] = value;
        emit Approval(holder, spender, value);
    }
}
